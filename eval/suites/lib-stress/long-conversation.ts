/**
 * (a) One conversation grown past 1000 messages through the chat: at each checkpoint (messages in the
 * session) the history load (messages.recent, as a turn does) and the prompt assembly (assemblePrompt
 * with the turn's settings) are timed directly `reps` times, and a few real turns report the server's
 * own dbMs / promptMs / retrievalMs. Both should stay flat: the window is capped (HISTORY_WINDOW).
 */
import type { Config } from '../../../serve/config';
import type { MessageRow } from '../../../serve/db/repos';
import { assemblePrompt } from '../../../serve/memory/prompt';
import { chatOnce } from '../../client/chat';
import type { Target } from '../../harness/target';
import { LatencyHistogram } from '../../metrics/histogram';
import { percentile } from '../../metrics/stats';

export interface LongPoint {
  /** messages in the session when measured */
  messages: number;
  history: LatencyHistogram;
  prompt: LatencyHistogram;
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
  for (const checkpoint of o.checkpoints) {
    while (!o.signal.aborted && (sessionId ? await repos.messages.countBySession(sessionId) : 0) < checkpoint) await say(false);
    if (o.signal.aborted || !sessionId) break;
    const messages = await repos.messages.countBySession(sessionId);
    const history = new LatencyHistogram();
    const prompt = new LatencyHistogram();
    let rows: MessageRow[] = await repos.messages.recent(sessionId, config.HISTORY_WINDOW);
    // as many uncounted calls first (JIT, caches), then the measured ones
    for (let i = 0; i < o.reps; i++) await repos.messages.recent(sessionId, config.HISTORY_WINDOW);
    for (let i = 0; i < o.reps; i++) {
      const t = performance.now();
      rows = await repos.messages.recent(sessionId, config.HISTORY_WINDOW);
      history.record(performance.now() - t);
    }
    const query = 'What did I tell you about my sister?';
    const mems = memory ? (await memory.retrieve({ userId: o.user, sessionId, query, recent: rows })).memories : [];
    for (let i = 0; i < o.reps; i++) buildLikeTurn(config, mems, rows, query, sessionId);
    for (let i = 0; i < o.reps; i++) {
      const t = performance.now();
      buildLikeTurn(config, mems, rows, query, sessionId);
      prompt.record(performance.now() - t);
    }
    const measured = [];
    for (let i = 0; i < o.measuredTurns && !o.signal.aborted; i++) measured.push(await say(true));
    const med = (xs: (number | undefined)[]) => percentile(xs.filter((x): x is number => typeof x === 'number'), 50);
    const point: LongPoint = {
      messages,
      history,
      prompt,
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
