/**
 * The db suite's --config (all optional; quick values in brackets):
 *   {"backends": ["postgres", "pglite"], "databaseUrl": "postgres://…", "poolMax": 10, "workers": 16,
 *    "idleOps": 1000 [150], "loadOps": 2000 [300], "warmup": 20, "historySizes": [10, 100, 1000],
 *    "sessionsPerSize": 2 [1], "heavySessions": 1000 [200], "otherUsers": 50 [10], "sessionsPerOtherUser": 20 [10],
 *    "deepPage": 10 [5]}
 */
import { z } from 'zod';
import type { ConfigSpec } from '../../harness/config';

const int = (min: number) => z.number().int().min(min);

const dbSchema = z.strictObject({
  backends: z.array(z.enum(['postgres', 'pglite'])).min(1),
  /** PostgreSQL URL (default $DATABASE_URL, else the test database); the report masks its password */
  databaseUrl: z.string().min(1).optional(),
  poolMax: int(1),
  workers: int(1),
  idleOps: int(1),
  loadOps: int(1),
  warmup: int(0),
  /** messages per history session */
  historySizes: z.array(int(1)).min(1),
  sessionsPerSize: int(1),
  heavySessions: int(1),
  otherUsers: int(0),
  sessionsPerOtherUser: int(0),
  deepPage: int(2),
});

export type DbConfig = z.infer<typeof dbSchema>;

export const dbConfig: ConfigSpec<typeof dbSchema> = {
  config: dbSchema,
  defaults: {
    backends: ['postgres', 'pglite'],
    poolMax: 10,
    workers: 16,
    idleOps: 1000,
    loadOps: 2000,
    warmup: 20,
    historySizes: [10, 100, 1000],
    sessionsPerSize: 2,
    heavySessions: 1000,
    otherUsers: 50,
    sessionsPerOtherUser: 20,
    deepPage: 10,
  },
  quick: { idleOps: 150, loadOps: 300, sessionsPerSize: 1, heavySessions: 200, otherUsers: 10, sessionsPerOtherUser: 10, deepPage: 5 },
};
