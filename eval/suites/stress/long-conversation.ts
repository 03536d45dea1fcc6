/**
 * (a) One conversation grown past 1000 messages through the chat: at each checkpoint (messages in the
 * session) the history load (messages.recent, as a turn does) and the prompt assembly (assemblePrompt
 * with the turn's settings) are timed directly `reps` times, and a few real turns report the server's
 * own dbMs / promptMs / retrievalMs. Both should stay flat: the window is capped (HISTORY_WINDOW).
 */
import { assemblePrompt, type Config, type MessageRow, type Runtime } from '../../../serve';
import { chatOnce } from '../../client/chat';
import type { Target } from '../../harness/target';
import { LatencyHistogram } from '../../metrics/histogram';
import { percentile } from '../../metrics/stats';

export interface LongPoint {
  /** messages in the session when measured */
  messages: number;
  history: LatencyHistogram;
  prompt: LatencyHistogram;
  /** recent() on a fixed 10-message session, timed alongside */
  historyControl: LatencyHistogram;
  /** assemblePrompt on the first checkpoint's inputs, timed alongside */
  promptControl: LatencyHistogram;
  /** medians over the measured turns (server timings) */
  serverDbMs: number;
  serverPromptMs: number;
  serverRetrievalMs: number;
  e2elMs: number;
  windowTokens: number;
  memoryTokens: number;
}

const LINES = [
  'Here is another thought about my week: the garden needs water and the fence needs paint.',
  'I keep a small notebook of recipes; yesterday I added a lentil soup with cumin.',
  'My sister called from Lisbon and we talked about her new job at the museum.',
  'Could you summarise the main points of what we discussed so far, briefly?',
  'I went running by the river this morning, seven kilometres at an easy pace.',
];

export async function longConversation(
  target: Target,
  o: { checkpoints: readonly number[]; reps: number; measuredTurns: number; user: string; signal: AbortSignal; onPoint?: (p: LongPoint) => void },
): Promise<LongPoint[]> {
  const runtime = target.runtime;
  if (!runtime) throw new Error('the long-conversation check needs the in-process target (it times the repos directly)');
  const { repos, config } = runtime.deps;
  const memory = runtime.memoryService;
  let sessionId: string | undefined;
  let turn = 0;
  const say = async (stream: boolean) => {
    const r = await chatOnce(target.url, { message: `(${++turn}) ${LINES[turn % LINES.length]}`, user: o.user, stream, ...(sessionId ? { sessionId } : {}), signal: o.signal });
    if (!r.ok) throw new Error(`turn ${turn} failed: ${r.error ?? r.status}`);
    sessionId ??= r.sessionId;
    await memory?.idle();
    return r;
  };
  const points: LongPoint[] = [];
  let controlSession: string | undefined;
  let controlInput: { rows: MessageRow[]; mems: Awaited<ReturnType<NonNullable<typeof memory>['retrieve']>>['memories']; sessionId: string } | undefined;
  for (const checkpoint of o.checkpoints) {
    while (!o.signal.aborted && (sessionId ? await repos.messages.countBySession(sessionId) : 0) < checkpoint) await say(false);
    if (o.signal.aborted || !sessionId) break;
    const messages = await repos.messages.countBySession(sessionId);
    const rows = await repos.messages.recent(sessionId, config.HISTORY_WINDOW);
    const query = 'What did I tell you about my sister?';
    const mems = memory ? (await memory.retrieve({ userId: o.user, sessionId, query, recent: rows })).memories : [];
    // controls: a fixed 10-message session and the first checkpoint's prompt inputs, timed alongside, so
    // growth from the process (caches, GC, a bigger table) shows apart from growth with this conversation
    controlSession ??= await tenMessageSession(repos, o.user);
    const control = (controlInput ??= { rows, mems, sessionId });
    const sid = sessionId;
    const [history, historyControl] = await timePair(o.reps, () => repos.messages.recent(sid, config.HISTORY_WINDOW), () => repos.messages.recent(controlSession as string, config.HISTORY_WINDOW));
    const [prompt, promptControl] = await timePair(
      o.reps,
      async () => buildLikeTurn(config, mems, rows, query, sid),
      async () => buildLikeTurn(config, control.mems, control.rows, query, control.sessionId),
    );
    const measured = [];
    for (let i = 0; i < o.measuredTurns && !o.signal.aborted; i++) measured.push(await say(true));
    const med = (xs: (number | undefined)[]) => percentile(xs.filter((x): x is number => typeof x === 'number'), 50);
    const point: LongPoint = {
      messages,
      history,
      prompt,
      historyControl,
      promptControl,
      serverDbMs: med(measured.map((r) => r.serverTimings?.dbMs)),
      serverPromptMs: med(measured.map((r) => r.serverTimings?.promptMs)),
      serverRetrievalMs: med(measured.map((r) => r.serverTimings?.retrievalMs)),
      e2elMs: med(measured.map((r) => r.endAt - r.sentAt)),
      windowTokens: med(measured.map((r) => r.promptParts?.window)),
      memoryTokens: med(measured.map((r) => r.promptParts?.memories)),
    };
    points.push(point);
    o.onPoint?.(point);
  }
  return points;
}

/** `reps` uncounted rounds, then `reps` measured rounds of a and b interleaved. */
async function timePair(reps: number, a: () => Promise<unknown>, b: () => Promise<unknown>): Promise<[LatencyHistogram, LatencyHistogram]> {
  const ha = new LatencyHistogram();
  const hb = new LatencyHistogram();
  for (let i = 0; i < 2 * reps; i++) {
    let t = performance.now();
    await a();
    if (i >= reps) ha.record(performance.now() - t);
    t = performance.now();
    await b();
    if (i >= reps) hb.record(performance.now() - t);
  }
  return [ha, hb];
}

async function tenMessageSession(repos: Runtime['deps']['repos'], userId: string): Promise<string> {
  const s = await repos.sessions.create({ userId, title: 'control: 10 messages' });
  for (let i = 0; i < 10; i++) await repos.messages.insert({ sessionId: s.id, userId, role: i % 2 ? 'assistant' : 'user', content: LINES[i % LINES.length] as string, status: 'complete' });
  return s.id;
}

/** The prompt a turn builds (serve/chat/turn.ts buildPrompt), for timing assemblePrompt alone. */
function buildLikeTurn(config: Config, memories: Parameters<typeof assemblePrompt>[0]['memories'], history: MessageRow[], userMessage: string, sessionId: string) {
  return assemblePrompt({
    systemPrompt: config.SYSTEM_PROMPT,
    memories,
    window: history.filter((m) => m.role !== 'system' && !(m.role === 'assistant' && m.content === '')).map((m) => ({ role: m.role, content: m.content })),
    userMessage,
    contextTokens: config.LLM_CONTEXT_TOKENS,
    answerReserveTokens: config.LLM_MAX_TOKENS,
    budget: { memoriesShare: config.MEMORY_SHARE, windowShare: 1 - config.MEMORY_SHARE },
    currentSessionId: sessionId,
  });
}
