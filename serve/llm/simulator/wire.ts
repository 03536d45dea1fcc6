/** OpenAI chat-completions wire format: request validation and response/chunk bodies. */
import type { PromptMessage } from './replies';

export interface OpenAiErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export class WireError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly param: string | null = null,
    readonly code: string | null = null,
    readonly type = 'invalid_request_error',
  ) {
    super(message);
  }

  body(): OpenAiErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

export interface ChatRequest {
  messages: PromptMessage[];
  model?: string;
  stream: boolean;
  includeUsage: boolean;
  maxTokens?: number;
  /** Stop sequences: the reply ends before the first one it contains (finish_reason stop). */
  stop?: string[];
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** String content, or the text parts of an array content, joined. */
function contentText(content: unknown, i: number): string {
  if (content === null || content === undefined) return '';
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content.map((part: unknown) => (isObject(part) && typeof part.text === 'string' ? part.text : '')).join('');
  }
  throw new WireError(400, `Invalid type for 'messages[${i}].content': expected a string or an array of content parts.`, `messages[${i}].content`, 'invalid_type');
}

function positiveInt(body: Json, key: string): number | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
    throw new WireError(400, `Invalid '${key}': expected an integer >= 1.`, key, 'invalid_value');
  }
  return v;
}

function stopSequences(v: unknown): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  throw new WireError(400, "Invalid 'stop': expected a string or an array of strings.", 'stop', 'invalid_type');
}

export function parseChatRequest(raw: string): ChatRequest {
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    throw new WireError(400, 'We could not parse the JSON body of your request. (HINT: This likely means you aren\'t using your HTTP library correctly.)');
  }
  if (!isObject(body)) throw new WireError(400, 'The request body must be a JSON object.');
  if (body.messages === undefined) throw new WireError(400, "Missing required parameter: 'messages'.", 'messages', 'missing_required_parameter');
  if (!Array.isArray(body.messages) || body.messages.length === 0) {
    throw new WireError(400, "Invalid 'messages': expected a non-empty array.", 'messages', 'invalid_value');
  }
  const messages = body.messages.map((m: unknown, i): PromptMessage => {
    if (!isObject(m) || typeof m.role !== 'string') {
      throw new WireError(400, `Invalid 'messages[${i}]': expected an object with a string 'role'.`, `messages[${i}]`, 'invalid_value');
    }
    return { role: m.role, content: contentText(m.content, i) };
  });
  if (body.model !== undefined && typeof body.model !== 'string') throw new WireError(400, "Invalid 'model': expected a string.", 'model', 'invalid_type');
  if (body.stream !== undefined && body.stream !== null && typeof body.stream !== 'boolean') {
    throw new WireError(400, "Invalid 'stream': expected a boolean.", 'stream', 'invalid_type');
  }
  const streamOptions = body.stream_options;
  return {
    messages,
    model: body.model,
    stream: body.stream === true,
    includeUsage: isObject(streamOptions) && streamOptions.include_usage === true,
    maxTokens: positiveInt(body, 'max_completion_tokens') ?? positiveInt(body, 'max_tokens'),
    stop: stopSequences(body.stop),
  };
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export function usageOf(promptTokens: number, completionTokens: number): Usage {
  return { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
}

export interface ResponseMeta {
  id: string;
  created: number;
  model: string;
}

export function completionBody(meta: ResponseMeta, content: string, finishReason: string, usage: Usage | undefined): Json {
  return {
    id: meta.id,
    object: 'chat.completion',
    created: meta.created,
    model: meta.model,
    choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, logprobs: null, finish_reason: finishReason }],
    ...(usage ? { usage } : {}),
  };
}

/** One SSE event line (with its blank-line terminator). `usage: null` is added when include_usage was asked, as OpenAI does. */
export function chunkLine(meta: ResponseMeta, delta: Json, finishReason: string | null, withUsageNull: boolean): string {
  const chunk = {
    id: meta.id,
    object: 'chat.completion.chunk',
    created: meta.created,
    model: meta.model,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    ...(withUsageNull ? { usage: null } : {}),
  };
  return `data: ${JSON.stringify(chunk)}\n\n`;
}

export function usageLine(meta: ResponseMeta, usage: Usage): string {
  const chunk = { id: meta.id, object: 'chat.completion.chunk', created: meta.created, model: meta.model, choices: [], usage };
  return `data: ${JSON.stringify(chunk)}\n\n`;
}

export const DONE_LINE = 'data: [DONE]\n\n';
export const MALFORMED_LINE = 'data: {not json\n\n';
