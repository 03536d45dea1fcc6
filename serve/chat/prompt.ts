/**
 * Prompt assembly under a token budget, counted with the real tokenizer (serve/llm/tokens.ts), so
 * countChatTokens(result.messages) ≤ contextTokens − answerReserveTokens always holds. Pure, no I/O.
 *
 * Layout: [system prompt] [system: dated memories]? [recent window…] [user message].
 */
import { countChatTokens, countTokens, REPLY_PRIMING_TOKENS, TOKENS_PER_MESSAGE, truncateTokens } from '../llm/tokens';
import { cachedCountTokens } from './count-cache';

export type PromptRole = 'system' | 'user' | 'assistant';

export interface PromptMessage {
  role: PromptRole;
  content: string;
}

export interface PromptMemory {
  text: string;
  createdAt: Date | string;
  sessionId: string | null;
  score: number;
}

export interface PromptBudget {
  /** Share of the flexible budget (after system + user) for memories. Default 0.35. */
  memoriesShare?: number;
  /** Share for the recent window. Default 0.65. With memoriesShare it must sum to ≤ 1. */
  windowShare?: number;
}

export interface AssemblePromptInput<W extends PromptMessage = PromptMessage> {
  systemPrompt: string;
  /** Any order; selection is by descending score. */
  memories: readonly PromptMemory[];
  /** The recent conversation, oldest first. */
  window: readonly W[];
  userMessage: string;
  contextTokens: number;
  answerReserveTokens: number;
  budget?: PromptBudget;
  /** Memories from this session are labelled "this session". */
  currentSessionId?: string;
  /** Display order of the kept memories: by descending score (default) or oldest first. */
  memoryOrder?: 'score' | 'oldest-first';
}

export interface AssembledPrompt<W extends PromptMessage = PromptMessage> {
  messages: PromptMessage[];
  /** The window messages in the prompt: the newest of `input.window`, the caller's own objects, oldest first. */
  window: W[];
  /** Per-part cost including each message's overhead; total = countChatTokens(messages) (adds reply priming). */
  tokens: { system: number; memories: number; window: number; user: number; total: number };
  /** The planned share of the flexible budget for memories and for the window (either may lend the other its unused part). */
  budget: { memories: number; window: number };
  /** The memories in the prompt, in the order shown (for the SSE `meta` event and the eval harness). */
  memoriesUsed: PromptMemory[];
  dropped: { memories: number; windowMessages: number };
  truncated: { user: boolean; system: boolean };
}

export const DEFAULT_MEMORIES_SHARE = 0.35;
export const DEFAULT_WINDOW_SHARE = 0.65;

export const MEMORY_HEADER =
  'Memories from earlier conversations with this user, each with its date (YYYY-MM-DD) and source session. ' +
  'They may be outdated: when memories disagree, prefer the newer one; when a memory disagrees with the ' +
  'current conversation, prefer the conversation. Use them only when relevant.';

/** The smallest budget that can hold a prompt: an empty system message and an empty user message. */
export const MIN_PROMPT_TOKENS = countChatTokens([
  { role: 'system', content: '' },
  { role: 'user', content: '' },
]);

export class PromptBudgetError extends Error {
  readonly code = 'prompt_budget_too_small';
  constructor(
    readonly budgetTokens: number,
    readonly minimumTokens: number,
  ) {
    super(
      `prompt budget ${budgetTokens} tokens (contextTokens − answerReserveTokens) is below the minimal prompt of ` +
        `${minimumTokens} tokens; raise contextTokens or lower answerReserveTokens`,
    );
    this.name = 'PromptBudgetError';
  }
}

/** What one message adds to countChatTokens (its role and content counted through the cache). */
export function messageTokens(m: PromptMessage): number {
  return TOKENS_PER_MESSAGE + cachedCountTokens(m.role) + cachedCountTokens(m.content);
}

/** countChatTokens(messages), through the cache. */
function chatTokens(messages: readonly PromptMessage[]): number {
  let total = REPLY_PRIMING_TOKENS;
  for (const m of messages) total += messageTokens(m);
  return total;
}

/** The longest whole-token prefix of `text` whose own token count is ≤ max (re-checked after cutting). */
export function fitText(text: string, maxTokens: number): { text: string; truncated: boolean } {
  if (cachedCountTokens(text) <= maxTokens) return { text, truncated: false };
  for (let limit = Math.max(0, maxTokens); limit >= 0; limit--) {
    const cut = truncateTokens(text, limit).text;
    if (countTokens(cut) <= maxTokens) return { text: cut, truncated: true };
  }
  return { text: '', truncated: true };
}

export function formatDate(value: Date | string): string {
  const d = value instanceof Date ? value : new Date(value);
  return Number.isNaN(d.getTime()) ? 'unknown date' : d.toISOString().slice(0, 10);
}

function sessionLabel(sessionId: string | null, current?: string): string {
  if (sessionId === null) return 'several sessions';
  return sessionId === current ? 'this session' : `session ${sessionId.slice(0, 8)}`;
}

/** "- [2024-05-03, session 3f2a1b9c] text", continuation lines indented. */
export function formatMemoryLine(m: PromptMemory, currentSessionId?: string): string {
  const text = m.text.replace(/\r?\n/g, '\n  ');
  return `- [${formatDate(m.createdAt)}, ${sessionLabel(m.sessionId, currentSessionId)}] ${text}`;
}

function time(m: PromptMemory): number {
  const t = new Date(m.createdAt).getTime();
  return Number.isNaN(t) ? 0 : t;
}

export function formatMemories(memories: readonly PromptMemory[], currentSessionId?: string): string {
  return [MEMORY_HEADER, ...memories.map((m) => formatMemoryLine(m, currentSessionId))].join('\n');
}

interface MemoryFit {
  message: PromptMessage | null;
  cost: number;
  kept: number;
  shown: PromptMemory[];
}

/** Slack for tokens merging across a line boundary when pre-filtering memories by their line's own count. */
const LINE_SLACK_TOKENS = 8;

/**
 * Greedy by descending score: a memory that does not fit is skipped (the next, shorter one may fit);
 * memories are whole or absent. Each try re-counts the whole block, so the cost is exact.
 */
function fitMemories(byScore: readonly PromptMemory[], cap: number, input: PromptPlanInput<PromptMessage>): MemoryFit {
  const order = (chosen: readonly PromptMemory[]): PromptMemory[] =>
    input.memoryOrder === 'oldest-first' ? [...chosen].sort((a, b) => time(a) - time(b)) : [...chosen];
  const render = (shown: readonly PromptMemory[]): PromptMessage => ({ role: 'system', content: formatMemories(shown, input.currentSessionId) });
  let best: MemoryFit = { message: null, cost: 0, kept: 0, shown: [] };
  let used = messageTokens(render([]));
  const chosen: PromptMemory[] = [];
  for (const m of byScore) {
    if (used + cachedCountTokens(`\n${formatMemoryLine(m, input.currentSessionId)}`) > cap + LINE_SLACK_TOKENS) continue;
    const shown = order([...chosen, m]);
    const message = render(shown);
    const cost = messageTokens(message);
    if (cost > cap) continue;
    chosen.push(m);
    used = cost;
    best = { message, cost, kept: chosen.length, shown };
  }
  return best;
}

/** The newest messages that fit, contiguous: the oldest are dropped first. `costOf(i)` = messageTokens(window[i]). */
function fitWindow<W extends PromptMessage>(window: readonly W[], costOf: (i: number) => number, cap: number): { kept: W[]; cost: number } {
  let used = 0;
  let start = window.length;
  while (start > 0) {
    const cost = costOf(start - 1);
    if (used + cost > cap) break;
    used += cost;
    start--;
  }
  return { kept: window.slice(start), cost: used };
}

/**
 * The one budget check: B = contextTokens − answerReserveTokens must hold the minimal prompt.
 * Returns B; RangeError for non-integers, PromptBudgetError when B < MIN_PROMPT_TOKENS.
 */
export function checkPromptBudget(contextTokens: number, answerReserveTokens: number): number {
  if (!Number.isInteger(contextTokens) || contextTokens < 0) throw new RangeError(`contextTokens must be a non-negative integer, got ${contextTokens}`);
  if (!Number.isInteger(answerReserveTokens) || answerReserveTokens < 0) {
    throw new RangeError(`answerReserveTokens must be a non-negative integer, got ${answerReserveTokens}`);
  }
  const budget = contextTokens - answerReserveTokens;
  if (budget < MIN_PROMPT_TOKENS) throw new PromptBudgetError(budget, MIN_PROMPT_TOKENS);
  return budget;
}

function checkInput(input: PromptPlanInput<PromptMessage>): { memoriesShare: number; windowShare: number; budget: number } {
  const memoriesShare = input.budget?.memoriesShare ?? DEFAULT_MEMORIES_SHARE;
  const windowShare = input.budget?.windowShare ?? DEFAULT_WINDOW_SHARE;
  const valid = (x: number): boolean => x >= 0 && x <= 1;
  if (!valid(memoriesShare) || !valid(windowShare) || memoriesShare + windowShare > 1 + 1e-9) {
    throw new RangeError(`budget shares must be in [0, 1] and sum to ≤ 1, got ${memoriesShare} + ${windowShare}`);
  }
  return { memoriesShare, windowShare, budget: checkPromptBudget(input.contextTokens, input.answerReserveTokens) };
}

/** Everything of the prompt but the memories, which may be looked up after planning. */
export type PromptPlanInput<W extends PromptMessage = PromptMessage> = Omit<AssemblePromptInput<W>, 'memories'>;

export interface PromptPlan<W extends PromptMessage = PromptMessage> {
  /**
   * The newest window messages that fit the window's own share: in the prompt whatever memories come.
   * Memories are deduplicated against these only, so a fact the budget drops from the window stays a memory.
   */
  readonly surelyKept: W[];
  /** The prompt with these memories (the plan's budget, system and user message are reused). */
  assemble(memories: readonly PromptMemory[]): AssembledPrompt<W>;
}

/**
 * Budget B = contextTokens − answerReserveTokens (PromptBudgetError when B < MIN_PROMPT_TOKENS).
 * 1. The user message is kept whole unless it alone (with the minimal overhead) exceeds B; then it is
 *    cut to fit and the system prompt is emptied. Otherwise the system prompt is cut to what remains.
 * 2. The rest F = B − cost(system + user) is split: memories get ⌊F·memoriesShare⌋, the window
 *    ⌊F·windowShare⌋ plus what memories left unused; if the window then leaves some unused, memories are
 *    refitted with it. A share sum below 1 leaves the remainder unused on purpose.
 */
export function assemblePrompt<W extends PromptMessage>(input: AssemblePromptInput<W>): AssembledPrompt<W> {
  return planPrompt(input).assemble(input.memories);
}

/**
 * assemblePrompt in two steps, for callers that look memories up in between: planPrompt checks the
 * budget, fits the system prompt and the user message and tells which window messages are surely kept;
 * `assemble(memories)` finishes the same prompt assemblePrompt would build.
 */
export function planPrompt<W extends PromptMessage>(input: PromptPlanInput<W>): PromptPlan<W> {
  const { memoriesShare, windowShare, budget } = checkInput(input);
  const userAlone = MIN_PROMPT_TOKENS + cachedCountTokens(input.userMessage);
  const user = fitText(input.userMessage, budget - MIN_PROMPT_TOKENS);
  const system = userAlone > budget ? { text: '', truncated: input.systemPrompt !== '' } : fitText(input.systemPrompt, budget - userAlone);
  const systemMsg: PromptMessage = { role: 'system', content: system.text };
  const userMsg: PromptMessage = { role: 'user', content: user.text };

  const flexible = budget - chatTokens([systemMsg, userMsg]);
  const memCap = Math.floor(flexible * memoriesShare);
  const winCap = Math.floor(flexible * windowShare);
  const costs: number[] = [];
  const costOf = (i: number): number => (costs[i] ??= messageTokens(input.window[i] as PromptMessage));
  const surely = fitWindow(input.window, costOf, winCap);

  return {
    surelyKept: surely.kept,
    assemble(all) {
      const byScore = [...all].sort((a, b) => b.score - a.score);
      let memories = fitMemories(byScore, memCap, input);
      const window = fitWindow(input.window, costOf, winCap + memCap - memories.cost);
      if (memories.kept < byScore.length && memCap + winCap - window.cost > memories.cost) {
        const refit = fitMemories(byScore, memCap + winCap - window.cost, input);
        if (refit.kept > memories.kept) memories = refit;
      }

      const windowMessages = window.kept.map((m): PromptMessage => ({ role: m.role, content: m.content }));
      const messages = [systemMsg, ...(memories.message ? [memories.message] : []), ...windowMessages, userMsg];
      return {
        messages,
        window: window.kept,
        tokens: {
          system: messageTokens(systemMsg),
          memories: memories.cost,
          window: window.cost,
          user: messageTokens(userMsg),
          total: chatTokens(messages),
        },
        budget: { memories: memCap, window: winCap },
        memoriesUsed: memories.shown,
        dropped: { memories: all.length - memories.kept, windowMessages: input.window.length - window.kept.length },
        truncated: { user: user.truncated, system: system.truncated },
      };
    },
  };
}
