/**
 * Walking a suite's config schema: the deep merge it guides (defaults ← quick ← --config file) and the
 * check that every object in it is strict.
 */
import type { z } from 'zod';

type Plain = Record<string, unknown>;
const isPlain = (v: unknown): v is Plain => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The zod internals this file reads (zod 4 keeps every schema's definition in `_zod.def`). */
interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  catchall?: z.ZodType;
  innerType?: z.ZodType;
  in?: z.ZodType;
  out?: z.ZodType;
  element?: z.ZodType;
  valueType?: z.ZodType;
  options?: readonly z.ZodType[];
  items?: readonly z.ZodType[];
  left?: z.ZodType;
  right?: z.ZodType;
}
const defOf = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

/** Wrappers that do not change the shape of a value. */
const WRAPPERS = new Set(['optional', 'nullable', 'default', 'prefault', 'readonly', 'catch', 'nonoptional']);

/** The schema under optional/nullable/default/… and the input side of a pipe (a transform's source). */
export function unwrap(s: z.ZodType): z.ZodType {
  let cur = s;
  for (;;) {
    const d = defOf(cur);
    if (WRAPPERS.has(d.type) && d.innerType) cur = d.innerType;
    else if (d.type === 'pipe' && d.in) cur = d.in;
    else return cur;
  }
}

/** The one object among a union's options, when exactly one is an object (e.g. `false | {…}`). */
function soleObjectOption(d: Def): z.ZodType | undefined {
  const objects = (d.options ?? []).map(unwrap).filter((o) => defOf(o).type === 'object' || defOf(o).type === 'record');
  return objects.length === 1 ? objects[0] : undefined;
}

/**
 * `over` laid on `base` as the schema describes them: objects and records merge key by key; a union
 * merges when exactly one of its options is an object (`false | {…}`), and is replaced otherwise (a
 * discriminated union: a new `kind` brings its own keys); arrays and scalars are replaced.
 */
export function mergeBySchema(schema: z.ZodType | undefined, base: unknown, over: unknown): unknown {
  if (over === undefined) return base;
  if (!schema || !isPlain(base) || !isPlain(over)) return over;
  let s = unwrap(schema);
  let d = defOf(s);
  if (d.type === 'union') {
    const sole = soleObjectOption(d);
    if (!sole) return over;
    s = sole;
    d = defOf(s);
  }
  if (d.type !== 'object' && d.type !== 'record') return over;
  const out: Plain = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = mergeBySchema(d.type === 'object' ? d.shape?.[k] : d.valueType, base[k], v);
  return out;
}

/** The paths of the objects in `schema` that are not strict (they would ignore unknown keys). */
export function looseObjects(schema: z.ZodType, path = '(root)'): string[] {
  const d = defOf(schema);
  const at = (p: string | number) => (path === '(root)' ? String(p) : `${path}.${p}`);
  switch (d.type) {
    case 'object': {
      const own = d.catchall && defOf(d.catchall).type === 'never' ? [] : [path];
      return [...own, ...Object.entries(d.shape ?? {}).flatMap(([k, v]) => looseObjects(v, at(k)))];
    }
    case 'pipe':
      return d.in ? looseObjects(d.in, path) : [];
    case 'array':
      return d.element ? looseObjects(d.element, at('*')) : [];
    case 'record':
      return d.valueType ? looseObjects(d.valueType, at('*')) : [];
    case 'union':
      return (d.options ?? []).flatMap((o) => looseObjects(o, path));
    case 'tuple':
      return (d.items ?? []).flatMap((o, i) => looseObjects(o, at(i)));
    case 'intersection':
      return [d.left, d.right].flatMap((o) => (o ? looseObjects(o, path) : []));
    default:
      return WRAPPERS.has(d.type) && d.innerType ? looseObjects(d.innerType, path) : [];
  }
}
