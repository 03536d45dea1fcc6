/** What the vector timings depend on beyond the harness's run metadata: machine load and package versions. */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The 1/5/15-minute load average, two decimals. */
export const loadAverage = (): number[] => os.loadavg().map((x) => Number(x.toFixed(2)));

const ROOT = path.resolve(import.meta.dirname, '../../..');

function version(pkg: string): string | null {
  try {
    return (JSON.parse(readFileSync(path.join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return null;
  }
}

/** The installed PGlite and embeddings packages (package-lock.json pins them too; this names them in the report). */
export const packageVersions = () => ({ pglite: version('@electric-sql/pglite'), embeddings: version('@energetic-ai/embeddings') });
