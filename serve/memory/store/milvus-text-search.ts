/**
 * The Milvus textSearch request and its hits. One search on the BM25 sparse field returns the top k
 * by BM25 together with each hit's dense vector (search may output every field but the sparse one),
 * so the cosine `score` costs no second request and is exact, unlike a second ANN search limited to
 * the hits' ids.
 */
import type { SearchSimpleReq } from '@zilliz/milvus2-sdk-node';
import { dot, l2normalise } from '../../embeddings/normalise';
import { SPARSE_FIELD } from './milvus-bm25';
import { searchRows, toStored } from './milvus-rows';
import { OUTPUT_FIELDS } from './milvus-schema';
import type { SearchHit } from './types';

/** Milvus' `_english_` stop words (tantivy-binding stop_words::ENGLISH), which its english analyzer drops. */
const ENGLISH_STOP_WORDS = new Set(
  'a an and are as at be but by for if in into is it no not of on or such that the their then there these they this to was will with'.split(' '),
);

/**
 * Whether the english analyzer leaves any term: its tokenizer splits on everything but letters and
 * digits, then stop words go. A query with no term gets no request (Milvus has answered an empty
 * BM25 query with an error rather than no hits: milvus-io/milvus#37022).
 */
export function hasQueryTerms(query: string): boolean {
  return query
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .some((word) => word !== '' && !ENGLISH_STOP_WORDS.has(word));
}

export interface TextSearchRequestInput {
  collection: string;
  query: string;
  k: number;
  /** A milvusFilter expression (always holds the user_id clause). */
  filter: string;
}

export function textSearchRequest(input: TextSearchRequestInput): SearchSimpleReq {
  return {
    collection_name: input.collection,
    // Raw text: Milvus runs it through the field's analyzer and weights each term by its IDF.
    data: input.query,
    anns_field: SPARSE_FIELD,
    metric_type: 'BM25',
    limit: input.k,
    filter: input.filter,
    output_fields: [...OUTPUT_FIELDS, 'vector'],
  };
}

/**
 * BM25 order as returned; `score` is the cosine to `query`, `lexicalScore` the BM25 score. A row
 * sharing no term with the query scores 0 and is no match (BM25's IDF and tf parts are positive).
 */
export function toTextHits(results: unknown, query: Float32Array | null, withVectors: boolean): SearchHit[] {
  const q = query ? l2normalise(query) : null;
  const matches = searchRows(results).filter((row) => Number(row.score) > 0);
  return matches.map((row) => {
    const vector = row.vector ?? [];
    return {
      record: toStored(row),
      score: q ? dot(q, l2normalise(vector)) : 0,
      lexicalScore: Number(row.score),
      ...(withVectors ? { vector: Float32Array.from(vector) } : {}),
    };
  });
}
