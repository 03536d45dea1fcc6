/** POST /v1/chat/completions: plan the request, then answer it (JSON or SSE) on the planned schedule. */
import type { ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { faultErrorBody } from './faults';
import type { ResolvedOptions } from './options';
import { planRequest, type Plan } from './plan';
import type { RecordStore } from './records';
import { lastUserMessage } from './replies';
import { createWaiter } from './timing';
import type { SimRequestRecord } from './types';
import * as wire from './wire';

export interface CompletionContext {
  current(): ResolvedOptions;
  store: RecordStore;
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export async function handleCompletion(ctx: CompletionContext, res: ServerResponse, rawBody: string, receivedAt: number): Promise<void> {
  const resolved = ctx.current();
  const seq = ctx.store.take();
  const id = `chatcmpl-sim-${seq}`;
  const record: SimRequestRecord = {
    id,
    seq,
    stream: false,
    receivedAt,
    ttftMs: 0,
    itlMs: [],
    chunkSentAt: [],
    outcome: 'ok',
    status: 0,
    promptTokens: 0,
    completionTokens: 0,
    lastUserMessage: '',
  };
  ctx.store.push(record);
  const idHeaders = { 'x-sim-request-id': id, 'x-request-id': id };

  let req: wire.ChatRequest;
  try {
    req = wire.parseChatRequest(rawBody);
  } catch (err) {
    if (!(err instanceof wire.WireError)) throw err;
    Object.assign(record, { outcome: 'error', status: err.status, finishedAt: performance.now() });
    return sendJson(res, err.status, err.body(), idHeaders);
  }

  const plan = planRequest(resolved, req, seq);
  const model = req.model ?? resolved.options.model ?? 'memocha-sim';
  Object.assign(record, { stream: req.stream, model, promptTokens: plan.promptTokens, lastUserMessage: lastUserMessage(req.messages) });
  if (resolved.options.recordPrompts) record.messages = req.messages.map((m) => ({ role: m.role, content: m.content }));

  const fault = plan.fault;
  if (fault.kind === 'error') {
    const headers: Record<string, string> = { ...idHeaders };
    if (fault.retryAfterS !== undefined) headers['retry-after'] = String(fault.retryAfterS);
    Object.assign(record, { outcome: 'error', status: fault.status, finishedAt: performance.now() });
    return sendJson(res, fault.status, faultErrorBody(fault.status), headers);
  }
  if (fault.kind === 'hang') {
    record.outcome = 'hang';
    // Never answer; the server destroys the socket on close().
    res.on('close', () => (record.finishedAt = performance.now()));
    return;
  }

  record.ttftMs = round3(plan.ttftMs);
  record.plannedItlMs = plan.gapsMs.map(round3);
  const meta: wire.ResponseMeta = { id, created: Math.floor(Date.now() / 1000), model };
  const headers = { ...idHeaders, 'x-sim-ttft-ms': String(record.ttftMs) };
  const usage = resolved.options.reportUsage === false ? undefined : wire.usageOf(plan.promptTokens, plan.completionTokens);
  if (req.stream) await streamReply(res, record, plan, meta, headers, req.includeUsage ? usage : undefined);
  else await jsonReply(res, record, plan, meta, headers, usage);
}

/** Watch for the client going away; returns the waiter to cancel and a flag setter for normal completion. */
function watchClose(res: ServerResponse, record: SimRequestRecord, precise: boolean) {
  const waiter = createWaiter(precise);
  const state = { done: false };
  res.on('close', () => {
    waiter.cancel();
    if (state.done) return;
    state.done = true;
    record.finishedAt = performance.now();
    if (record.outcome === 'ok') record.outcome = 'aborted';
  });
  return { waiter, state };
}

async function jsonReply(
  res: ServerResponse,
  record: SimRequestRecord,
  plan: Plan,
  meta: wire.ResponseMeta,
  headers: Record<string, string>,
  usage: wire.Usage | undefined,
): Promise<void> {
  const { waiter, state } = watchClose(res, record, plan.preciseTimers);
  const total = plan.ttftMs + plan.gapsMs.reduce((a, b) => a + b, 0);
  if (!(await waiter.until(record.receivedAt + total))) return;
  state.done = true;
  sendJson(res, 200, wire.completionBody(meta, plan.text, plan.finishReason, usage), headers);
  const now = performance.now();
  Object.assign(record, {
    status: 200,
    chunkSentAt: [now],
    actualTtftMs: now - record.receivedAt,
    completionTokens: plan.completionTokens,
    finishReason: plan.finishReason,
    finishedAt: now,
  });
}

async function streamReply(
  res: ServerResponse,
  record: SimRequestRecord,
  plan: Plan,
  meta: wire.ResponseMeta,
  headers: Record<string, string>,
  usage: wire.Usage | undefined,
): Promise<void> {
  const { waiter, state } = watchClose(res, record, plan.preciseTimers);
  const fault = plan.fault;
  const withUsageNull = usage !== undefined;
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', ...headers });
  // Node corks a response's socket until the next tick: a cut must wait for the writes to be flushed.
  let flushed: Promise<void> = Promise.resolve();
  const write = (text: string): void => {
    flushed = new Promise((resolve) => res.write(text, () => resolve()));
  };
  write(wire.chunkLine(meta, { role: 'assistant' }, null, withUsageNull));
  record.status = 200;

  let sentTokens = 0;
  /** Cut once afterTokens tokens are out; `always` cuts a reply shorter than that before its finish chunk. */
  const cut = (always = false): boolean => {
    if (fault.kind !== 'cut' || (!always && sentTokens < fault.afterTokens)) return false;
    state.done = true;
    Object.assign(record, { outcome: 'cut', completionTokens: sentTokens, finishedAt: performance.now() });
    void flushed.then(() => res.destroy());
    return true;
  };
  const malformed = (): void => {
    if (fault.kind !== 'malformed' || record.outcome === 'malformed') return;
    record.outcome = 'malformed';
    write(wire.MALFORMED_LINE);
  };

  let target = record.receivedAt + plan.ttftMs;
  if (plan.chunks.length === 0 && !(await waiter.until(target))) return;
  for (const [i, chunk] of plan.chunks.entries()) {
    if (cut()) return;
    if (i > 0) target += plan.gapsMs[i - 1] ?? 0;
    if (!(await waiter.until(target))) return;
    write(wire.chunkLine(meta, { content: chunk.text }, null, withUsageNull));
    const now = performance.now();
    const prev = record.chunkSentAt[record.chunkSentAt.length - 1];
    record.chunkSentAt.push(now);
    if (prev === undefined) record.actualTtftMs = now - record.receivedAt;
    else record.itlMs.push(now - prev);
    sentTokens += chunk.tokens;
    if (cut()) return;
    malformed();
  }
  if (cut(true)) return;
  malformed();

  state.done = true;
  let tail = wire.chunkLine(meta, {}, plan.finishReason, withUsageNull);
  if (usage) tail += wire.usageLine(meta, usage);
  res.end(tail + wire.DONE_LINE);
  Object.assign(record, { completionTokens: plan.completionTokens, finishReason: plan.finishReason, finishedAt: performance.now() });
}
