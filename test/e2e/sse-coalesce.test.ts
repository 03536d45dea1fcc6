import { ServerResponse } from 'node:http';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { api, postSse } from '../support/client';
import { type Stack, startStack } from '../../serve/testing';

const MESSAGE = 'Please repeat: my sister Ana lives in Lisbon, works at the aquarium, and owns two cats named Pão and Queijo.';

/** Socket writes made by Memocha's chat responses (the in-process simulator's own writes are not counted). */
function countChatWrites() {
  const spy = vi.spyOn(ServerResponse.prototype, 'write');
  return {
    count: () => spy.mock.contexts.filter((res) => (res as ServerResponse).req?.url?.startsWith('/v1/sessions/')).length,
    restore: () => spy.mockRestore(),
  };
}

describe('SSE_COALESCE_MS through the chat route (real HTTP, real SSE parsing)', () => {
  const servers: Stack[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });
  let spy: ReturnType<typeof countChatWrites> | undefined;
  afterEach(() => spy?.restore());

  async function turn(coalesceMs: number) {
    const t = await startStack({ env: { SSE_COALESCE_MS: String(coalesceMs), MEMORY_ENABLED: 'false' }, sim: { mode: 'echo' } });
    servers.push(t);
    const s = (await api(`${t.url}/v1/sessions`, { body: {} })).json.id as string;
    spy = countChatWrites();
    const r = await postSse(`${t.url}/v1/sessions/${s}/messages`, { content: MESSAGE });
    const writes = spy.count();
    spy.restore();
    spy = undefined;
    expect(r.status).toBe(200);
    const tokens = r.events.filter((e) => e.event === 'token').map((e) => e.data.text as string);
    const done = r.events.find((e) => e.event === 'done')?.data as { message: { content: string } } | undefined;
    return { events: r.events.map((e) => e.event), tokens, final: done?.message.content, writes };
  }

  it('sends the same token events and final text with coalescing off and on; on, later tokens share writes', async () => {
    const off = await turn(0);
    // A window longer than the test: every token after the first is held until `done` flushes it.
    const on = await turn(600_000);
    expect(off.tokens.length).toBeGreaterThan(5);
    expect(on.events).toEqual(off.events);
    expect(on.tokens).toEqual(off.tokens);
    expect(on.final).toBe(off.final);
    expect(on.tokens.join('')).toBe(on.final);
    expect(off.writes).toBe(off.tokens.length + 2); // meta, one per token, done
    expect(on.writes).toBe(3); // meta, the first token at once, then the rest with done
  });
});
