/**
 * A suite's typed configuration: a strict zod object schema, its defaults and its --quick overrides.
 * The harness merges defaults ← quick (with --quick) ← the --config file, validates the result and
 * records it in the report; the suite gets the parsed, typed value.
 */
import { z } from 'zod';
import type { JsonValue } from '../report/schema';
import { looseObjects, mergeBySchema } from './config-schema';

/** A strict zod object, optionally piped into a transform that derives values from it (sorted lists, …). */
export type ConfigSchema = z.ZodObject | z.ZodPipe<z.ZodObject, z.ZodType>;

/** Every key optional, all the way down; arrays are replaced whole, so they stay as they are. */
export type DeepPartial<T> = T extends readonly unknown[] ? T : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;

export interface ConfigSpec<S extends ConfigSchema> {
  config: S;
  /** every required key; what a run uses when neither --quick nor the --config file says otherwise */
  defaults: z.input<S>;
  /** laid over the defaults with --quick */
  quick?: DeepPartial<z.input<S>>;
}

export interface ResolvedConfig<T> {
  /** the parsed config the suite runs with */
  value: T;
  /** the merged config that was validated (re-usable as a --config file), credentials in URLs masked */
  recorded: JsonValue;
}

/** A --config that does not fit the suite's schema (the run stops before it starts: exit 2). */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

export const EMPTY_CONFIG = z.strictObject({});

/** Throws unless every object of the schema is strict (an unknown key must be an error, not ignored). */
export function assertStrict(schema: ConfigSchema, where: string): void {
  const loose = looseObjects(schema);
  if (loose.length > 0) throw new Error(`${where}: config objects must be strict (z.strictObject or .strict()): ${loose.join(', ')}`);
}

/** defaults ← quick (with --quick) ← file, validated; throws ConfigError naming every bad key or value. */
export function resolveConfig<S extends ConfigSchema>(spec: ConfigSpec<S>, file: JsonValue | undefined, quick: boolean, label = '--config'): ResolvedConfig<z.output<S>> {
  if (file !== undefined && file !== null && (typeof file !== 'object' || Array.isArray(file))) throw new ConfigError(`${label}: must be a JSON object, got ${JSON.stringify(file)}`);
  const withQuick = quick && spec.quick ? mergeBySchema(spec.config, spec.defaults, spec.quick) : spec.defaults;
  const merged = mergeBySchema(spec.config, withQuick, file ?? undefined);
  const r = spec.config.safeParse(merged, { reportInput: true });
  if (!r.success) throw new ConfigError(`${label}: ${r.error.issues.map((i) => describeIssue(i)).join('; ')}`);
  return { value: r.data as z.output<S>, recorded: maskCredentials(merged as JsonValue) };
}

const pathOf = (prefix: readonly PropertyKey[], p: readonly PropertyKey[]) => [...prefix, ...p].map(String).join('.');
const article = (w: string) => (/^[aeiou]/.test(w) ? `an ${w}` : `a ${w}`);
const shown = (v: unknown) => (v === undefined ? 'nothing' : JSON.stringify(v));

/** One issue as `path: what is wrong`, with the key path in full (e.g. `sweep.think.maxMs`). */
export function describeIssue(i: z.core.$ZodIssue, prefix: readonly PropertyKey[] = []): string {
  const at = pathOf(prefix, i.path);
  switch (i.code) {
    case 'unrecognized_keys':
      return `unknown key(s) ${i.keys.map((k) => pathOf([...prefix, ...i.path], [k])).join(', ')}`;
    case 'invalid_type':
      return i.input === undefined ? `${at || '(root)'} is required (${article(i.expected)})` : `${at || '(root)'} must be ${article(i.expected)}, got ${shown(i.input)}`;
    case 'invalid_union': {
      // the options of the right type say what is wrong inside them (`openLoop.rate …` rather than "not false")
      const here = [...prefix, ...i.path];
      const typed = i.errors.filter((errs) => !errs.every((e) => e.path.length === 0 && (e.code === 'invalid_type' || e.code === 'invalid_value')));
      if (typed.length === 1) return typed[0]!.map((e) => describeIssue(e, here)).join('; ');
      const options = i.errors.map((errs) => errs.map((e) => (e.path.length === 0 ? e.message : describeIssue(e, here))).join(', ')).filter(Boolean);
      return `${at || '(root)'}: ${i.message}${options.length ? ` (${options.join(' | ')})` : ''}`;
    }
    default:
      return `${at || '(root)'}: ${i.message}`;
  }
}

/** Passwords in URL strings (postgres://user:secret@host) replaced by ***, anywhere in the value. */
export function maskCredentials(v: JsonValue): JsonValue {
  if (typeof v === 'string') return v.replace(/\/\/([^:@/\s]+):[^@/\s]*@/g, '//$1:***@');
  if (Array.isArray(v)) return v.map(maskCredentials);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, maskCredentials(x)]));
  return v;
}
