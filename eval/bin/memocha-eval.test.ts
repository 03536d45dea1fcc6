import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));

describe('the memocha-eval bin (npx memocha-eval)', () => {
  it('runs the eval CLI from package.json’s bin', async () => {
    const { stdout } = await run('npx', ['--offline', 'memocha-eval', 'list'], { cwd: root, timeout: 60_000 });
    for (const suite of ['latency', 'load', 'memory', 'retrieval']) expect(stdout).toMatch(new RegExp(`^\\s*${suite}\\b`, 'm'));
  }, 90_000);
});
