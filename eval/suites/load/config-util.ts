/** Suite configuration: the user's --config JSON laid over the defaults, then checked by a strict schema. */
import type { z } from 'zod';
import type { JsonValue } from '../../report/schema';

type Plain = Record<string, unknown>;
const isPlain = (v: unknown): v is Plain => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Objects merge key by key; arrays, scalars and `false` replace. */
export function deepMerge(base: unknown, over: unknown): unknown {
  if (!isPlain(base) || !isPlain(over)) return over === undefined ? base : over;
  const out: Plain = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = deepMerge(base[k], v);
  return out;
}

/** Merge and validate; a bad key or value throws naming its path. */
export function resolveConfig<S extends z.ZodType>(schema: S, defaults: z.infer<S>, user: JsonValue): z.infer<S> {
  const r = schema.safeParse(deepMerge(defaults, user));
  if (!r.success) {
    throw new Error(`bad --config: ${r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  }
  return r.data;
}
