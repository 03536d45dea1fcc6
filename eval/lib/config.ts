/** Reading a suite's --config JSON: typed getters that reject a wrong type instead of ignoring it. */
import type { JsonValue } from '../report/schema';

export type JsonObject = { [key: string]: JsonValue };

export function asObject(c: JsonValue, where = '--config'): JsonObject {
  if (c === null || c === undefined) return {};
  if (typeof c !== 'object' || Array.isArray(c)) throw new Error(`${where} must be a JSON object`);
  return c;
}

export function num(o: JsonObject, key: string, def: number, opts: { min?: number; integer?: boolean } = {}): number {
  const v = o[key];
  if (v === undefined) return def;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`config ${key} must be a number, got ${JSON.stringify(v)}`);
  if (opts.integer && !Number.isInteger(v)) throw new Error(`config ${key} must be an integer, got ${v}`);
  if (opts.min !== undefined && v < opts.min) throw new Error(`config ${key} must be ≥ ${opts.min}, got ${v}`);
  return v;
}

export function int(o: JsonObject, key: string, def: number, min = 0): number {
  return num(o, key, def, { min, integer: true });
}

export function str(o: JsonObject, key: string): string | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v.length === 0) throw new Error(`config ${key} must be a non-empty string, got ${JSON.stringify(v)}`);
  return v;
}

export function bool(o: JsonObject, key: string, def: boolean): boolean {
  const v = o[key];
  if (v === undefined) return def;
  if (typeof v !== 'boolean') throw new Error(`config ${key} must be true or false, got ${JSON.stringify(v)}`);
  return v;
}

export function intList(o: JsonObject, key: string, def: readonly number[]): number[] {
  const v = o[key];
  if (v === undefined) return [...def];
  if (!Array.isArray(v) || v.length === 0 || !v.every((x) => typeof x === 'number' && Number.isInteger(x) && x > 0)) {
    throw new Error(`config ${key} must be a non-empty list of positive integers, got ${JSON.stringify(v)}`);
  }
  return v as number[];
}
