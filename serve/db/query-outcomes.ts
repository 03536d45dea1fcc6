import type { Knex } from 'knex';

export interface QueryOutcomes {
  /** A query succeeded less than `ms` ago and none has failed since. */
  succeededWithin(ms: number): boolean;
  stop(): void;
}

/** When this database's queries last succeeded and failed (knex's query-response and query-error events). */
export function watchQueryOutcomes(knex: Knex): QueryOutcomes {
  let lastOk = -Infinity;
  let lastError = -Infinity;
  const ok = () => {
    lastOk = performance.now();
  };
  const failed = () => {
    lastError = performance.now();
  };
  knex.on('query-response', ok);
  knex.on('query-error', failed);
  return {
    succeededWithin: (ms) => lastOk > lastError && performance.now() - lastOk < ms,
    stop() {
      knex.removeListener('query-response', ok);
      knex.removeListener('query-error', failed);
    },
  };
}
