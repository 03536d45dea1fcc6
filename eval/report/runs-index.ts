/** reports/index.json: every run, newest first; updated under a lock, written via temp file + rename. */
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { IndexEntry, Report } from './schema';

export type { IndexEntry } from './schema';


const MAX_HEADLINE = 8;
const LOCK_TIMEOUT_MS = 10_000;
const LOCK_STALE_MS = 60_000;

/** Metrics flagged `headline`, or the first 8 metrics when none is flagged. */
export function headlineMetrics(report: Report): IndexEntry['headline'] {
  const entries = Object.entries(report.metrics);
  const flagged = entries.filter(([, m]) => m.headline);
  const chosen = flagged.length > 0 ? flagged : entries.slice(0, MAX_HEADLINE);
  return Object.fromEntries(chosen.map(([name, m]) => [name, { value: m.value, unit: m.unit }]));
}

export function indexEntry(report: Report, root: string, dir: string): IndexEntry {
  const rel = path.relative(path.resolve(root), path.resolve(dir));
  const entry: IndexEntry = {
    suite: report.suite,
    runId: report.runId,
    dir: rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel.split(path.sep).join('/') : path.resolve(dir),
    startedAt: report.startedAt,
    gitSha: report.meta.gitSha,
    quick: report.meta.quick,
    interrupted: report.interrupted,
    headline: headlineMetrics(report),
  };
  if (report.gates) entry.gatesPassed = report.gates.passed;
  return entry;
}

export async function readIndex(root: string): Promise<IndexEntry[]> {
  const file = path.join(root, 'index.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return [];
  }
  try {
    const data: unknown = JSON.parse(text);
    if (Array.isArray(data)) return data.filter(isEntry);
  } catch {
    // fall through: keep the unreadable file aside rather than lose it
  }
  await rename(file, `${file}.corrupt-${Date.now()}`);
  return [];
}

function isEntry(x: unknown): x is IndexEntry {
  if (typeof x !== 'object' || x === null) return false;
  const e = x as Record<string, unknown>;
  return typeof e.dir === 'string' && typeof e.startedAt === 'string' && typeof e.suite === 'string';
}

/** Add (or replace, by dir) an entry; the list stays sorted newest first by startedAt. */
export async function updateIndex(root: string, entry: IndexEntry): Promise<void> {
  await mkdir(root, { recursive: true });
  await withLock(path.join(root, 'index.json.lock'), async () => {
    const entries = (await readIndex(root)).filter((e) => e.dir !== entry.dir);
    entries.push(entry);
    entries.sort((a, b) => b.startedAt.localeCompare(a.startedAt));
    const file = path.join(root, 'index.json');
    const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
    await writeFile(tmp, `${JSON.stringify(entries, null, 2)}\n`);
    await rename(tmp, file);
  });
}

async function withLock(lock: string, fn: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + LOCK_TIMEOUT_MS;
  for (;;) {
    try {
      await mkdir(lock);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const age = await stat(lock).then((s) => Date.now() - s.mtimeMs, () => 0);
      if (age > LOCK_STALE_MS) await rm(lock, { recursive: true, force: true });
      else if (Date.now() > deadline) throw new Error(`could not lock ${lock} within ${LOCK_TIMEOUT_MS} ms (remove it if no run is writing)`, { cause: err });
      else await new Promise((r) => setTimeout(r, 50));
    }
  }
  try {
    await fn();
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}
