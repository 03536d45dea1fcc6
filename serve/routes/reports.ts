/**
 * Eval reports for the dashboard, read-only: GET /api/reports lists <root>/index.json,
 * GET /api/reports/files/<path> serves one file below the reports root. Nothing outside the root
 * is reachable: segments are decoded and checked, then the real path (symlinks resolved) must lie
 * inside the root's real path.
 */
import { readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import Router from '@koa/router';
import { AppError, ValidationError } from '../errors';

const FILES_PREFIX = '/api/reports/files/';

const CONTENT_TYPES: Record<string, string> = {
  '.json': 'application/json; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.xml': 'application/xml; charset=utf-8',
};

function notFound(): AppError {
  return new AppError(404, 'report_not_found', 'No such report file');
}

/** The decoded path segments, or a 400 for anything that could step out of the root. */
export function reportPathSegments(rawPath: string): string[] {
  const segments = rawPath.split('/');
  return segments.map((raw) => {
    let s: string;
    try {
      s = decodeURIComponent(raw);
    } catch {
      throw new ValidationError('The report path is not valid percent-encoding', undefined, 'invalid_report_path');
    }
    if (s === '' || s === '.' || s === '..' || /[/\\\0]/.test(s)) {
      throw new ValidationError('A report path is relative to the reports directory, with no empty, "." or ".." segment', undefined, 'invalid_report_path');
    }
    return s;
  });
}

/** The real path of `segments` below `root`, or null when it is missing or resolves outside root. */
async function resolveInside(root: string, segments: readonly string[]): Promise<string | null> {
  const realRoot = await realpath(root).catch(() => null);
  if (realRoot === null) return null;
  const real = await realpath(path.join(realRoot, ...segments)).catch(() => null);
  if (real === null) return null;
  const rel = path.relative(realRoot, real);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return null;
  return real;
}

interface IndexRun {
  dir: string;
  suite: string;
  startedAt: string;
  [k: string]: unknown;
}

function isRun(x: unknown): x is IndexRun {
  if (typeof x !== 'object' || x === null) return false;
  const e = x as Record<string, unknown>;
  return typeof e.dir === 'string' && typeof e.suite === 'string' && typeof e.startedAt === 'string';
}

/** The runs of index.json the files route can serve (a run written outside the root is left out). */
async function listRuns(root: string): Promise<IndexRun[]> {
  let data: unknown;
  try {
    data = JSON.parse(await readFile(path.join(root, 'index.json'), 'utf8'));
  } catch {
    return [];
  }
  if (!Array.isArray(data)) return [];
  return data.filter(isRun).filter((r) => !path.isAbsolute(r.dir) && !r.dir.split('/').includes('..'));
}

export function reportRoutes(root: string) {
  const router = new Router();
  router.get('/api/reports', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { runs: await listRuns(root) };
  });
  router.get(/^\/api\/reports\/files\/.*/, async (ctx) => {
    const segments = reportPathSegments(ctx.path.slice(FILES_PREFIX.length));
    const type = CONTENT_TYPES[path.extname(segments[segments.length - 1] ?? '').toLowerCase()];
    if (type === undefined) throw notFound();
    const file = await resolveInside(root, segments);
    if (file === null) throw notFound();
    const s = await stat(file);
    if (!s.isFile()) throw notFound();
    ctx.set('Cache-Control', 'no-store');
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.type = type;
    ctx.body = await readFile(file);
  });
  return router;
}
