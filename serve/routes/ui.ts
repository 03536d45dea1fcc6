import { createReadStream, existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Middleware } from 'koa';
import type { Logger } from 'pino';
import { AppError } from '../errors';

/** The Vite build of ui/ (npm run build:ui, run by npm ci's prepare script). */
export const UI_DIST = fileURLToPath(new URL('../../ui/dist', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

// The pages load only their own scripts; answers are sanitised, and this stops what might slip through.
const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/** Which file a GET path maps to: a file of the build, or a page's index.html (SPA fallback); null: not the UI's. */
function target(path: string): { file: string; fallback: boolean } | null {
  if (path === '/' || path === '/index.html') return { file: 'index.html', fallback: false };
  if (path === '/dashboard' || path === '/dashboard/') return { file: 'dashboard/index.html', fallback: false };
  if (path.startsWith('/assets/')) return { file: path.slice(1), fallback: false };
  // Client-side routes: a chat session (/s/<id>) and the dashboard's views.
  if (path.startsWith('/s/')) return { file: 'index.html', fallback: true };
  if (path.startsWith('/dashboard/')) return extname(path) ? { file: path.slice(1), fallback: false } : { file: 'dashboard/index.html', fallback: true };
  return null;
}

/**
 * Serves the web chat at / and the dashboard at /dashboard from ui/dist. Only its own paths: the API,
 * /healthz, /metrics and unknown paths go on to the routes (and their JSON 404s). Hashed assets are
 * immutable; pages are revalidated.
 */
export function uiRoutes(logger: Logger, root: string = UI_DIST): Middleware {
  const base = resolve(root);
  const built = existsSync(join(base, 'index.html'));
  if (!built) logger.warn({ dir: base }, 'the web UI is not built (ui/dist is missing): run `npm run build:ui`; / answers 503 until then');
  return async (ctx, next) => {
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return next();
    let path: string;
    try {
      path = decodeURIComponent(ctx.path);
    } catch {
      return next(); // malformed escapes: not a UI path
    }
    const t = target(path);
    if (!t) return next();
    if (!built && !existsSync(join(base, 'index.html'))) throw new AppError(503, 'ui_not_built', 'The web UI is not built: run `npm run build:ui`');
    const file = resolve(base, t.file);
    // A ".." (plain or percent-encoded) or NUL must not leave the build directory.
    if (t.file.includes('\0') || (file !== base && !file.startsWith(base + sep))) throw new AppError(404, 'not_found', 'Not found');
    const info = await stat(file).catch(() => null);
    if (!info?.isFile()) throw new AppError(404, 'not_found', `${ctx.path} not found`);
    const ext = extname(file);
    ctx.type = TYPES[ext] ?? 'application/octet-stream';
    ctx.length = info.size;
    ctx.set('X-Content-Type-Options', 'nosniff');
    if (ext === '.html') {
      ctx.set('Cache-Control', 'no-cache');
      ctx.set('Content-Security-Policy', CSP);
      ctx.set('Referrer-Policy', 'no-referrer');
    } else if (t.file.startsWith('assets/') || t.file.startsWith('dashboard/assets/')) {
      ctx.set('Cache-Control', 'public, max-age=31536000, immutable');
    } else ctx.set('Cache-Control', 'no-cache');
    ctx.status = 200;
    // HEAD: headers only (a stream given to Koa would be opened and never read).
    if (ctx.method === 'GET') ctx.body = createReadStream(file);
  };
}
