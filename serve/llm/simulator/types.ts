/** Contract of the OpenAI-compatible LLM simulator (serve/llm/simulator). */

export type DelaySpec =
  | { kind: 'fixed'; ms: number }
  | { kind: 'uniform'; minMs: number; maxMs: number }
  /** Lognormal fitted so that its median and 99th percentile are the given values. */
  | { kind: 'lognormal'; medianMs: number; p99Ms: number };

export type ReplyMode = 'echo' | 'lorem' | 'extractive' | 'scripted';

export interface ScriptRule {
  /** Regular expression (source) tested against the last user message, or against the whole prompt with `target: 'prompt'`. */
  pattern: string;
  flags?: string;
  target?: 'last_user' | 'prompt';
  reply: string;
}

export interface FaultSpec {
  /** Share of requests answered with an HTTP error before any token. */
  errorRate?: number;
  errorStatus?: 429 | 500 | 503;
  /** Retry-After seconds sent with 429/503. */
  retryAfterS?: number;
  /** Share of requests that never answer (the connection stays open until the client gives up). */
  hangRate?: number;
  /** Share of streamed requests whose connection is destroyed after `cutAfterTokens` tokens. */
  cutRate?: number;
  cutAfterTokens?: number;
  /** Share of streamed requests that send one chunk that is not valid JSON. */
  malformedRate?: number;
}

export interface SimulatorOptions {
  seed?: number;
  mode?: ReplyMode;
  /** Model id reported by /v1/models and in responses. */
  model?: string;
  ttft?: DelaySpec;
  /** Delay between consecutive content chunks. */
  itl?: DelaySpec;
  /** Output length in tokens for `lorem`; an upper bound for the other modes (max_tokens also caps). */
  outputTokens?: number;
  /** Tokens per streamed chunk. */
  chunkTokens?: number;
  /** Rules for `scripted`; the first matching rule wins. */
  script?: ScriptRule[];
  /** JSON file with ScriptRule[] for `scripted` (used when `script` is not given). */
  scriptPath?: string;
  faults?: FaultSpec;
  /** When false, never send usage (a server without stream usage), so clients must count tokens. */
  reportUsage?: boolean;
  /** Records kept in `requests` (oldest dropped first); 0 keeps none. Default 100 000. */
  maxRecords?: number;
  /** Keep each request's messages in its record (tests and prompt inspection; off by default to save memory). */
  recordPrompts?: boolean;
  /**
   * Wait the last millisecond before each write with setImmediate (writes < 0.1 ms late on an idle machine,
   * but up to ~1 ms of busy event loop per write). Default false: plain setTimeout, writes ~0-1.5 ms late.
   * Either way chunkSentAt holds the actual write times and nothing is ever written early.
   */
  preciseTimers?: boolean;
}

/** Options of startSimulator: SimulatorOptions plus where to listen (default 127.0.0.1, ephemeral port). */
export interface StartSimulatorOptions extends SimulatorOptions {
  port?: number;
  host?: string;
  /**
   * When set, every request (completions and the /sim side channel) must send `Authorization: Bearer <apiKey>`,
   * else 401. Fixed at start: /sim/config can neither read nor change it.
   */
  apiKey?: string;
}

/** Ground truth of one request, as the simulator applied it. Times are performance.timeOrigin-relative ms (performance.now()). */
export interface SimRequestRecord {
  id: string;
  stream: boolean;
  receivedAt: number;
  /** Planned/applied delay before the first content chunk. */
  ttftMs: number;
  /** Applied gaps between consecutive content chunks. */
  itlMs: number[];
  /** When each content chunk was written to the socket. */
  chunkSentAt: number[];
  finishedAt?: number;
  outcome: 'ok' | 'error' | 'hang' | 'cut' | 'malformed' | 'aborted';
  status: number;
  promptTokens: number;
  completionTokens: number;
  lastUserMessage: string;
  /** The prompt as received, when `recordPrompts` is on. */
  messages?: { role: string; content: string }[];
  /** Sequence number of the request (0-based, never reused); `GET /sim/requests?since=` filters on it. */
  seq?: number;
  /** Model echoed in the response. */
  model?: string;
  /** The sampled gaps before they were applied; `itlMs` holds the gaps measured from `chunkSentAt`. */
  plannedItlMs?: number[];
  /** chunkSentAt[0] - receivedAt: the TTFT as actually applied (ttftMs is the planned one). */
  actualTtftMs?: number;
  finishReason?: 'stop' | 'length';
}

export interface Simulator {
  /** Base URL to give an OpenAI client, ending in /v1. */
  readonly url: string;
  readonly port: number;
  readonly requests: readonly SimRequestRecord[];
  /** Change behaviour at run time (e.g. start or end a fault window). */
  configure(patch: Partial<SimulatorOptions>): void;
  readonly options: Readonly<SimulatorOptions>;
  /** The key requests must send (StartSimulatorOptions.apiKey), if any. */
  readonly apiKey?: string;
  close(): Promise<void>;
}
