import { Writable } from 'node:stream';

/** A writable stream that collects what is written into `into` (harness tests capture stdout/stderr). */
export const sink = (into: string[]) =>
  new Writable({
    write(chunk: Buffer, _enc, cb) {
      into.push(chunk.toString());
      cb();
    },
  });
