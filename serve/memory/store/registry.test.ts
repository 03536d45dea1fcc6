import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVectorStore, parseMilvusSpec } from './registry';
import { openPgliteKnex, type TestKnex } from '../../testing/pg';

describe('createVectorStore', () => {
  let db: TestKnex;
  beforeAll(async () => {
    db = await openPgliteKnex();
  });
  afterAll(async () => {
    await db.close();
  });

  it('builds pgvector stores on the given database', async () => {
    const exact = await createVectorStore('pgvector', { knex: db.knex, backend: 'pglite' });
    expect(exact.id).toBe('pgvector:pglite:exact');
    const hnsw = await createVectorStore('pgvector:hnsw', { knex: db.knex, backend: 'pglite', pgvector: { table: 'mem_reg', index: { type: 'exact', m: 8 } } });
    expect(hnsw.id).toBe('pgvector:pglite:hnsw');
    await hnsw.ensure(3);
    expect(await hnsw.count()).toBe(0);
    const array = await createVectorStore('pgarray', { knex: db.knex, backend: 'pglite', pgvector: { table: 'mem_reg_array' } });
    expect(array.id).toBe('pgarray:pglite');
    await array.ensure(3);
    expect(await array.count()).toBe(0);
  });

  it('explains what is missing or unknown', async () => {
    await expect(createVectorStore('pgvector')).rejects.toThrow(/needs the database/);
    await expect(createVectorStore('faiss')).rejects.toThrow(/use one of pgvector, pgvector:hnsw, pgarray, milvus:\/\/host:19530/);
  });
});

describe('parseMilvusSpec', () => {
  it('reads address, collection, index and metric', () => {
    expect(parseMilvusSpec('milvus://127.0.0.1:19530')).toEqual({ address: '127.0.0.1:19530' });
    expect(parseMilvusSpec('milvus://milvus')).toEqual({ address: 'milvus:19530' });
    expect(parseMilvusSpec('milvus+https://m.example.com:443?collection=mem_v2&index=ivf_flat&metric=ip')).toEqual({
      address: 'https://m.example.com:443',
      collection: 'mem_v2',
      index: 'IVF_FLAT',
      metric: 'IP',
    });
    expect(() => parseMilvusSpec('milvus://h:1?index=annoy')).toThrow(/unknown Milvus index ANNOY/);
    expect(() => parseMilvusSpec('milvus://h:1?metric=L2')).toThrow(/COSINE or IP/);
  });
});
