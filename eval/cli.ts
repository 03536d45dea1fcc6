#!/usr/bin/env -S npx tsx
/** memocha-eval <suite> [flags] | gate [--plan f] [--only suite] [--out dir] | compare <a> <b> | list. See eval/README.md. */
import { main } from './harness/main';
import { suites } from './suites/index';

main(process.argv.slice(2), suites).then(
  (code) => exit(code),
  (err: unknown) => {
    process.stderr.write(`memocha-eval: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    exit(2);
  },
);

/** Let stdout drain and exit, even if a suite left a handle (a socket, a timer) open. */
function exit(code: number): void {
  process.exitCode = code;
  setTimeout(() => process.exit(code), 2000).unref();
}
