/**
 * The request of POST /v1/chat/completions: OpenAI's shape, read into what a Memocha turn takes.
 * Every refusal is a 400 naming the offending field in `param` (rendered by serve/openai/errors.ts).
 *
 * Fields fall in four groups (README "OpenAI-compatible API"): honoured by Memocha, passed through to the
 * provider, accepted without effect, and refused. Anything else is refused as OpenAI itself does.
 */
import { z } from 'zod';
import { AppError } from '../errors';
import type { ChatMessage, LlmSampling } from '../llm/types';

/** A 400 in OpenAI's terms: `param` names the field (`messages[2].content`), `code` is machine-readable. */
export class OpenAiRequestError extends AppError {
  constructor(code: string, message: string, param: string | null) {
    super(400, code, message, { param });
  }
}

/** Fields OpenAI knows that Memocha refuses: what they would need is not there (tools, several choices, …). */
const REFUSED: Record<string, string> = {
  tools: 'tools (function calling) are not supported',
  tool_choice: 'tool_choice is not supported (no tools)',
  functions: 'functions (function calling) are not supported',
  function_call: 'function_call is not supported',
  response_format: 'response_format other than {"type":"text"} is not supported',
  n: 'only n = 1 is supported',
  logprobs: 'logprobs are not supported',
  top_logprobs: 'top_logprobs are not supported',
  logit_bias: 'logit_bias is not supported',
  audio: 'audio output is not supported',
  modalities: 'only the "text" modality is supported',
  prediction: 'predicted outputs are not supported',
  web_search_options: 'web search is not supported',
  reasoning_effort: 'reasoning_effort is not supported',
  verbosity: 'verbosity is not supported',
};

/** Accepted and ignored: they change nothing in the answer or its shape. */
const IGNORED = ['store', 'service_tier', 'prompt_cache_key', 'safety_identifier', 'parallel_tool_calls'] as const;

/** The refused fields in their harmless forms (a client's defaults), accepted as if absent. */
function harmless(key: string, value: unknown): boolean {
  if (value === null || value === undefined) return true;
  switch (key) {
    case 'n':
      return value === 1;
    case 'logprobs':
      return value === false;
    case 'tools':
    case 'functions':
      return Array.isArray(value) && value.length === 0;
    case 'tool_choice':
      return value === 'none';
    case 'response_format':
      return typeof value === 'object' && (value as { type?: unknown }).type === 'text';
    case 'modalities':
      return Array.isArray(value) && value.length === 1 && value[0] === 'text';
    default:
      return false;
  }
}

const textPart = z.object({ type: z.literal('text'), text: z.string() }).loose();
const anyPart = z.object({ type: z.string() }).loose();
const content = z.union([z.string(), z.array(anyPart)]);
const message = z
  .object({
    role: z.string(),
    content: content.nullable().optional(),
    name: z.string().optional(),
    tool_calls: z.array(z.unknown()).optional(),
    refusal: z.string().nullable().optional(),
  })
  .loose();

const numberOrNull = (min: number, max: number) => z.number().min(min).max(max).nullable().optional();
const tokens = z.number().int().min(1).max(32_768).nullable().optional();

const body = z
  .object({
    model: z.string().min(1),
    messages: z.array(message).min(1),
    stream: z.boolean().nullable().optional(),
    stream_options: z.object({ include_usage: z.boolean().optional(), include_obfuscation: z.boolean().optional() }).strict().nullable().optional(),
    temperature: numberOrNull(0, 2),
    max_tokens: tokens,
    max_completion_tokens: tokens,
    stop: z.union([z.string().min(1), z.array(z.string().min(1)).min(1).max(4)]).nullable().optional(),
    user: z.string().optional(),
    metadata: z.record(z.string().max(64), z.string().max(512)).nullable().optional(),
    top_p: numberOrNull(0, 1),
    frequency_penalty: numberOrNull(-2, 2),
    presence_penalty: numberOrNull(-2, 2),
    seed: z.number().int().nullable().optional(),
    ...Object.fromEntries([...Object.keys(REFUSED), ...IGNORED].map((k) => [k, z.unknown().optional()])),
  })
  .strict();

export interface CompletionRequest {
  model: string;
  stream: boolean;
  includeUsage: boolean;
  temperature?: number;
  maxTokens?: number;
  stop?: string[];
  sampling?: LlmSampling;
  /** The `user` field (names the user only when authentication is off). */
  user?: string;
  /** metadata.session_id. */
  sessionKey?: string;
  /** The client's system and developer messages, joined (they follow SYSTEM_PROMPT). */
  system: string;
  /** The client's conversation before its last message, system messages left out, oldest first. */
  history: ChatMessage[];
  /** The last message: the user's new one. */
  content: string;
  /** The first user message of the client's conversation (the session rule's key). */
  firstUser: string;
}

/** `messages.2.content` → `messages[2].content` (OpenAI's way of naming a field). */
export function paramOf(path: readonly PropertyKey[]): string | null {
  if (path.length === 0) return null;
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('');
}

export function parseCompletionRequest(raw: unknown): CompletionRequest {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new OpenAiRequestError('invalid_request', 'The request body must be a JSON object', null);
  }
  const record = raw as Record<string, unknown>;
  for (const [key, value] of Object.entries(record)) {
    const why = REFUSED[key];
    if (why !== undefined && !harmless(key, value)) throw new OpenAiRequestError('unsupported_parameter', `Memocha: ${why}`, key);
  }
  const parsed = body.safeParse(record);
  if (!parsed.success) throw fromZod(parsed.error);
  const b = parsed.data;
  if (b.max_tokens != null && b.max_completion_tokens != null && b.max_tokens !== b.max_completion_tokens) {
    throw new OpenAiRequestError('invalid_value', 'max_tokens and max_completion_tokens disagree; send one of them', 'max_completion_tokens');
  }
  const conv = readMessages(b.messages);
  const sampling: LlmSampling = {
    ...(b.top_p != null ? { topP: b.top_p } : {}),
    ...(b.frequency_penalty != null ? { frequencyPenalty: b.frequency_penalty } : {}),
    ...(b.presence_penalty != null ? { presencePenalty: b.presence_penalty } : {}),
    ...(b.seed != null ? { seed: b.seed } : {}),
  };
  const maxTokens = b.max_completion_tokens ?? b.max_tokens ?? undefined;
  const sessionKey = b.metadata?.session_id;
  return {
    model: b.model,
    stream: b.stream === true,
    includeUsage: b.stream === true && b.stream_options?.include_usage === true,
    ...(b.temperature != null ? { temperature: b.temperature } : {}),
    ...(maxTokens !== undefined ? { maxTokens } : {}),
    ...(b.stop != null ? { stop: typeof b.stop === 'string' ? [b.stop] : b.stop } : {}),
    ...(Object.keys(sampling).length > 0 ? { sampling } : {}),
    ...(b.user !== undefined ? { user: b.user } : {}),
    ...(sessionKey !== undefined ? { sessionKey } : {}),
    ...conv,
  };
}

type Parsed = z.infer<typeof message>;

function readMessages(messages: Parsed[]): Pick<CompletionRequest, 'system' | 'history' | 'content' | 'firstUser'> {
  const system: string[] = [];
  const turns: ChatMessage[] = [];
  messages.forEach((m, i) => {
    const at = `messages[${i}]`;
    if (m.role === 'tool' || m.role === 'function') throw new OpenAiRequestError('unsupported_parameter', `Memocha: ${m.role} messages are not supported (no tools)`, `${at}.role`);
    if (m.tool_calls && m.tool_calls.length > 0) throw new OpenAiRequestError('unsupported_parameter', 'Memocha: tool_calls are not supported (no tools)', `${at}.tool_calls`);
    const text = textOf(m.content, at);
    if (m.role === 'system' || m.role === 'developer') {
      if (text.trim() !== '') system.push(text);
    } else if (m.role === 'user' || m.role === 'assistant') turns.push({ role: m.role, content: text });
    else throw new OpenAiRequestError('invalid_value', `Invalid role ${JSON.stringify(m.role)}: expected system, developer, user or assistant`, `${at}.role`);
  });
  const last = turns.at(-1);
  const lastIndex = messages.length - 1;
  if (!last || last.role !== 'user' || (messages[lastIndex]?.role !== 'user')) {
    throw new OpenAiRequestError('invalid_value', 'The last message must be the user\'s (role "user")', `messages[${lastIndex}].role`);
  }
  if (last.content.trim() === '') throw new OpenAiRequestError('invalid_value', 'The last user message must not be empty', `messages[${lastIndex}].content`);
  if (last.content.includes('\u0000')) throw new OpenAiRequestError('invalid_value', 'The last user message must not contain NUL characters', `messages[${lastIndex}].content`);
  const firstUser = turns.find((t) => t.role === 'user')?.content ?? last.content;
  return { system: system.join('\n\n'), history: turns.slice(0, -1).filter((t) => t.content !== ''), content: last.content, firstUser };
}

/** A string, or the text of text parts joined by newlines; other parts (images, audio, files) are refused. */
function textOf(value: Parsed['content'], at: string): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  return value
    .map((part, j) => {
      const text = textPart.safeParse(part);
      if (!text.success) throw new OpenAiRequestError('unsupported_content', `Memocha: only text content parts are supported, not ${JSON.stringify(part.type)}`, `${at}.content[${j}]`);
      return text.data.text;
    })
    .join('\n');
}

function fromZod(error: z.ZodError): OpenAiRequestError {
  const issue = error.issues[0];
  if (!issue) return new OpenAiRequestError('invalid_request', 'Invalid request body', null);
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '';
    const param = paramOf([...issue.path, key]);
    return new OpenAiRequestError('unknown_parameter', `Unrecognized request argument supplied: ${param}`, param);
  }
  const param = paramOf(issue.path);
  const missing = issue.code === 'invalid_type' && issue.input === undefined;
  return missing
    ? new OpenAiRequestError('missing_required_parameter', `Missing required parameter: ${param}`, param)
    : new OpenAiRequestError('invalid_value', `Invalid ${param ?? 'body'}: ${issue.message}`, param);
}
