import { describe, expect, it } from 'vitest';
import { api, postSse } from '../support/client';
import { startStack } from '../../serve/testing';

describe.skipIf(process.env.PGLITE_MODE === 'inline')('PGlite worker thread dies', () => {
  it('answers 503 db_unavailable, /readyz reports the database down, and shutdown still completes', async () => {
    const t = await startStack();
    try {
      expect(t.db.worker).toBeDefined();
      const s = (await api(`${t.url}/v1/sessions`, { body: {} })).json.id as string;
      expect((await api(`${t.url}/readyz`)).status).toBe(200);

      t.db.worker!.crash();

      const created = await api(`${t.url}/v1/sessions`, { body: {} });
      expect(created.status).toBe(503);
      expect(created.json).toMatchObject({ error: { code: 'db_unavailable' } });
      expect(created.headers.get('retry-after')).toBe('5');
      const turn = await postSse(`${t.url}/v1/sessions/${s}/messages`, { content: 'still there?' });
      expect(turn.status).toBe(503);
      expect(turn.json).toMatchObject({ error: { code: 'db_unavailable' } });
      const ready = await api(`${t.url}/readyz`);
      expect(ready.status).toBe(503);
      expect(ready.json).toMatchObject({ status: 'unavailable', database: { ok: false, backend: 'pglite' } });
    } finally {
      await t.close();
    }
  });
});
