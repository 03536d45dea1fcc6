/**
 * An instance killed (SIGKILL) under load behind HAProxy: 100 users streaming a few messages each through the
 * balancer, instance i1 killed mid-run. Only requests HAProxy had sent to i1 may fail (an error or a cut stream);
 * nobody answered by i2 sees an error; every acknowledged user message (its `meta` event arrived: see
 * test/support/streamed-turn.ts) is in PostgreSQL; requests sent after i1 is gone all succeed on i2; the
 * answers i1 left pending are settled by i2's sweep; every message that can be remembered is indexed, also
 * those i1 had claimed when it died; and a turn answered by i1 is found in memory through i2.
 */
import knexFactory, { type Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from '../../serve/testing';
import { api } from '../support/client';
import { pollUntil } from '../support/poll';
import { streamTurn, type StreamedTurn } from '../support/streamed-turn';

const USERS = 100;
const MESSAGES_PER_USER = 3;
/** Kill i1 once this many turns are acknowledged (about a third of the run) and it has streams open. */
const KILL_AFTER_ACKS = 100;

/** A word only this message contains, for a lexical memory search. */
const codeword = (u: number, m: number) => `zeph${u}q${m}`;

interface Sent extends StreamedTurn {
  user: string;
  content: string;
}

describe('an instance killed under load behind HAProxy', () => {
  let cluster: Cluster;
  let knex: Knex;

  beforeAll(async () => {
    cluster = await startCluster({
      instances: 2,
      env: {
        VECTOR_STORE: 'pgarray',
        // Microseconds per text (a table distilled from use-lite, built once into ./data): the model itself would
        // spend this 2-core machine's CPU on 600 embeddings instead of on the instances under test.
        EMBEDDINGS: 'static',
        LOG_LEVEL: 'warn',
        // Short leases so the survivor settles the dead instance's pending answers and takes over its indexing
        // claims within the test; the sweep takes messages older than LLM_DEADLINE_MS + 5 s.
        ANSWER_LEASE_MS: '1000',
        MEMORY_INDEX_LEASE_MS: '1000',
        MEMORY_SWEEP_MS: '500',
        LLM_DEADLINE_MS: '10000',
      },
      // 40 tokens 10 ms apart: every answer streams for about half a second, so a kill always cuts some.
      sim: { mode: 'lorem', outputTokens: 40, itl: { kind: 'fixed', ms: 10 } },
    });
    knex = knexFactory({ client: 'pg', connection: cluster.databaseUrl, pool: { min: 0, max: 2 } });
  });
  afterAll(async () => {
    await knex?.destroy();
    await cluster?.close();
  });

  it('only the killed instance’s clients fail, no acknowledged message is lost, and later requests succeed', async () => {
    const [i1, i2] = cluster.instances;
    const sessions = await Promise.all(
      Array.from({ length: USERS }, async (_, u) => {
        const r = await api(`${cluster.url}/v1/sessions`, { body: {}, headers: { 'x-memocha-user': `load-${u}` } });
        expect(r.status).toBe(201);
        return r.json.id as string;
      }),
    );

    const sent: Sent[] = [];
    let acks = 0;
    let killSentAt = Infinity;
    let killedAt = Infinity;
    let killing: Promise<void> | undefined;
    // Streams i1 is answering right now (acknowledged, not ended): the kill waits for some, so it cuts them.
    const openOnI1 = new Set<StreamedTurn>();
    const kill = async () => {
      killSentAt = performance.now();
      await i1!.kill('SIGKILL');
      // Requests sent from here on find i1 gone (its port refuses), not half-alive.
      killedAt = performance.now();
    };
    const onAck = (t: StreamedTurn) => {
      acks++;
      if (t.instance === i1!.name) openOnI1.add(t);
      if (!killing && acks >= KILL_AFTER_ACKS && openOnI1.size > 0) killing = kill();
    };
    const user = async (u: number) => {
      const headers = { 'x-memocha-user': `load-${u}` };
      for (let m = 0; m < MESSAGES_PER_USER; m++) {
        const content = `user ${u} message ${m}: remember the codeword ${codeword(u, m)} and tell me something long`;
        const turn = await streamTurn(`${cluster.url}/v1/sessions/${sessions[u]}/messages`, { content }, headers, onAck);
        openOnI1.delete(turn);
        sent.push({ ...turn, user: headers['x-memocha-user'], content });
      }
    };

    await Promise.all(Array.from({ length: USERS }, (_, u) => user(u)));
    await killing;
    expect(Number.isFinite(killedAt)).toBe(true);

    const failed = sent.filter((t) => t.outcome !== 'done');
    const after = sent.filter((t) => t.sentAt > killedAt);
    // The kill landed mid-run: some requests failed, and some were sent after it.
    expect(failed.filter((t) => t.outcome === 'cut').length).toBeGreaterThan(0);
    expect(after.length).toBeGreaterThan(0);
    // Nobody answered by the survivor got an error; every failure was on i1 and sent before it was gone. HAProxy
    // names the instance of an error or a cut stream (X-Memocha-Upstream), but closes a kept-alive client
    // connection with no response when its request's instance dies before answering (haproxy.ts): such a
    // request must have been sent before i1 was gone and end after the kill.
    expect(sent.filter((t) => t.instance === i2!.name && t.outcome !== 'done')).toEqual([]);
    for (const t of failed) {
      expect(t.sentAt, JSON.stringify(t)).toBeLessThan(killedAt);
      if (t.outcome === 'refused') expect(t.endedAt, JSON.stringify(t)).toBeGreaterThanOrEqual(killSentAt);
      else expect(t.upstream, JSON.stringify(t)).toBe(i1!.name);
    }
    // Requests sent after the kill all went to the survivor and completed (retry-on conn-failure, then the check).
    for (const t of after) expect({ outcome: t.outcome, instance: t.instance }).toEqual({ outcome: 'done', instance: i2!.name });
    expect(new Set(sent.filter((t) => t.sentAt < killedAt && t.instance).map((t) => t.instance))).toEqual(new Set([i1!.name, i2!.name]));

    // Every acknowledged user message is stored, with its content.
    const acked = sent.filter((t) => t.userMessageId);
    expect(acked.length).toBeGreaterThanOrEqual(KILL_AFTER_ACKS);
    const rows = (await knex('messages')
      .whereIn(
        'id',
        acked.map((t) => t.userMessageId!),
      )
      .select('id', 'content', 'role')) as { id: string; content: string; role: string }[];
    const stored = new Map(rows.map((r) => [r.id, r]));
    const lost = acked.filter((t) => stored.get(t.userMessageId!)?.content !== t.content);
    expect(lost).toEqual([]);
    // Completed answers are stored complete.
    const doneIds = sent.filter((t) => t.outcome === 'done').map((t) => t.assistantMessageId!);
    const complete = await knex('messages').whereIn('id', doneIds).where({ status: 'complete' }).count<{ n: string }[]>({ n: '*' });
    expect(Number(complete[0]!.n)).toBe(doneIds.length);

    // HAProxy took i1 out, and i2's sweep settles what i1 left pending (lease 1 s, swept every 0.5 s).
    expect((await cluster.haproxy.serverStates())[i1!.name]).toMatch(/^DOWN/);
    const count = async (q: Knex.QueryBuilder) => Number(((await q.count<{ n: string }[]>({ n: '*' })) as { n: string }[])[0]!.n);
    expect(await pollUntil(() => count(knex('messages').where({ status: 'pending' })), (n) => n === 0, 20_000)).toBe(0);
    const cut = sent.filter((t) => t.outcome === 'cut' && t.assistantMessageId).map((t) => t.assistantMessageId!);
    const settled = (await knex('messages').whereIn('id', cut).select('status')) as { status: string }[];
    // A cut answer was interrupted by the kill (settled by i2), or had been stored complete just before it, its
    // `done` event lost with the connection.
    expect(settled.filter((r) => r.status !== 'interrupted' && r.status !== 'complete')).toEqual([]);
    expect(settled.some((r) => r.status === 'interrupted')).toBe(true);

    // Memory: every message that can be remembered gets indexed, also those i1 had claimed when it died (their
    // claims expire, i2 takes them); and a turn answered by i1 is found through i2.
    const unindexed = () => count(knex('messages').whereNull('indexed_at').whereNull('forgotten_at').whereIn('status', ['complete', 'partial']));
    expect(await pollUntil(unindexed, (n) => n === 0, 60_000, 500)).toBe(0);
    // A turn i1 completed, else one it acknowledged (the kill can land before i1 finishes any): its user message
    // was stored through i1 and indexed by whoever claimed it.
    const onI1 = sent.find((t) => t.instance === i1!.name && t.outcome === 'done') ?? sent.find((t) => t.instance === i1!.name && t.userMessageId)!;
    const word = /codeword (\S+)/.exec(onI1.content)![1]!;
    const search = await api(`${cluster.url}/v1/memories?q=${word}&k=3`, { headers: { 'x-memocha-user': onI1.user } });
    expect(search.headers.get('x-memocha-instance')).toBe(i2!.name);
    expect(search.json.items[0].text).toContain(word);
  });
});
