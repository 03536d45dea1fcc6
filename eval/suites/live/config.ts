/**
 * The live suite's --config (all optional):
 *   {"databaseUrl": "postgres://…", "schema": "…", "dataDir": "./data", "hours": 24, "windowMinutes": 60, "alertDrop": 0.1}
 * The database: databaseUrl, else $DATABASE_URL, else the PGlite data dir (dataDir, else $DATA_DIR, else ./data),
 * which only one process may hold: stop the server first, or use PostgreSQL.
 */
import { z } from 'zod';
import type { ConfigSpec } from '../../harness/config';

const liveSchema = z.strictObject({
  databaseUrl: z.string().regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://').optional(),
  /** PostgreSQL schema the server's tables are in (default: the search_path's) */
  schema: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/).optional(),
  dataDir: z.string().min(1).optional(),
  /** how far back to read, hours; 0 = every sample */
  hours: z.number().min(0),
  windowMinutes: z.number().int().min(1),
  /** a window whose signal is this much below the previous window's is listed as a drop (LIVE_ALERT_DROP) */
  alertDrop: z.number().min(0).max(1),
});

export type LiveConfig = z.infer<typeof liveSchema>;

export const liveConfig: ConfigSpec<typeof liveSchema> = {
  config: liveSchema,
  defaults: { hours: 24, windowMinutes: 60, alertDrop: 0.1 },
  quick: { hours: 1, windowMinutes: 5 },
};
