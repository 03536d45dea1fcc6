/**
 * How the SQL stores hold an embedding: pgvector's `vector(n)` (with `<=>`), or a plain `real[]`
 * whose cosine is computed in SQL (the `pgarray` store, for a PostgreSQL without the extension).
 * Everything else (BM25, neighbours, list, filters) is the same for both.
 */
import { floatTexts, parseVectorText, toVectorLiteral, type VectorEncoding } from './pg-sql';

export interface VectorType {
  name: 'pgvector' | 'pgarray';
  /** The column's type in `create table`. */
  columnType(dimensions: number): string;
  /** A check on the column, when the type itself does not fix the dimension. */
  columnCheck(dimensions: number): string;
  /** A bound parameter holding a vector literal. */
  param: string;
  /** The literal bound to `param`. */
  literal(v: Float32Array, encoding: VectorEncoding): string;
  /** Cosine distance (1 − similarity) of `column` to the vector bound at this spot. */
  distance(column: string): string;
  /** `column`'s dimension from its type and checks (format_type, constraint definitions), undefined if another type. */
  dimensionsOf(formattedType: string, checks: string[]): number | undefined;
  /** Parse the column cast to text. */
  parse(text: string): Float32Array;
}

export const PGVECTOR_TYPE: VectorType = {
  name: 'pgvector',
  columnType: (d) => `vector(${d})`,
  columnCheck: () => '',
  param: '?::vector',
  literal: toVectorLiteral,
  distance: (column) => `${column} <=> ?::vector`,
  dimensionsOf: (type) => {
    const m = /^vector\((\d+)\)$/.exec(type);
    return m ? Number(m[1]) : undefined;
  },
  parse: parseVectorText,
};

export const PGARRAY_TYPE: VectorType = {
  name: 'pgarray',
  columnType: () => 'real[]',
  // The type cannot say its length: the check keeps hand-written rows to the table's dimension too.
  columnCheck: (d) => `check (array_ndims(embedding) = 1 and cardinality(embedding) = ${d})`,
  param: '?::real[]',
  literal: (v, encoding) => `{${floatTexts(v, encoding).join(',')}}`,
  // One pass over the pair; 1 − dot/(|a|·|b|). Stored and query vectors are never zero (validate.ts).
  distance: (column) =>
    `(select 1 - sum(a::float8 * b) / sqrt(sum(a::float8 * a) * sum(b::float8 * b)) from unnest(${column}, ?::real[]) as pair(a, b))`,
  dimensionsOf: (type, checks) => {
    if (type !== 'real[]') return undefined;
    for (const c of checks) {
      const m = /cardinality\(embedding\) = (\d+)/.exec(c);
      if (m) return Number(m[1]);
    }
    return undefined;
  },
  parse: (text) => parseVectorText(`[${text.slice(1, -1)}]`),
};
