/**
 * The db suite's --config (all optional; quick values in brackets):
 *   {"backends": ["postgres", "pglite"], "databaseUrl": "postgres://…", "poolMax": 10, "workers": 16,
 *    "idleOps": 1000 [150], "loadOps": 2000 [300], "warmup": 20, "historySizes": [10, 100, 1000],
 *    "sessionsPerSize": 2 [1], "heavySessions": 1000 [200], "otherUsers": 50 [10], "sessionsPerOtherUser": 20 [10],
 *    "deepPage": 10 [5]}
 */
import type { DbBackend } from '../../../serve/db';
import type { JsonValue } from '../../report/schema';
import { asObject, int, intList, str } from '../../lib/config';
import type { SeedPlan } from './seed';

export interface DbConfig extends SeedPlan {
  backends: DbBackend[];
  databaseUrl?: string;
  poolMax: number;
  workers: number;
  idleOps: number;
  loadOps: number;
  warmup: number;
  deepPage: number;
}

export function readDbConfig(c: JsonValue, quick: boolean): DbConfig {
  const o = asObject(c);
  const backends = o.backends === undefined ? (['postgres', 'pglite'] as DbBackend[]) : o.backends;
  if (!Array.isArray(backends) || backends.length === 0 || !backends.every((b) => b === 'postgres' || b === 'pglite')) {
    throw new Error(`config backends must be a non-empty list of "postgres" and "pglite", got ${JSON.stringify(backends)}`);
  }
  const databaseUrl = str(o, 'databaseUrl');
  const poolMax = int(o, 'poolMax', 10, 1);
  return {
    backends: backends as DbBackend[],
    ...(databaseUrl ? { databaseUrl } : {}),
    poolMax,
    workers: int(o, 'workers', 16, 1),
    idleOps: int(o, 'idleOps', quick ? 150 : 1000, 1),
    loadOps: int(o, 'loadOps', quick ? 300 : 2000, 1),
    warmup: int(o, 'warmup', 20, 0),
    historySizes: intList(o, 'historySizes', [10, 100, 1000]),
    sessionsPerSize: int(o, 'sessionsPerSize', quick ? 1 : 2, 1),
    heavySessions: int(o, 'heavySessions', quick ? 200 : 1000, 1),
    otherUsers: int(o, 'otherUsers', quick ? 10 : 50, 0),
    sessionsPerOtherUser: int(o, 'sessionsPerOtherUser', quick ? 10 : 20, 0),
    deepPage: int(o, 'deepPage', quick ? 5 : 10, 2),
    concurrency: poolMax,
  };
}
