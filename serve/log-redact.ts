/**
 * Secrets out of log lines. Upstream error bodies echo API keys ("Incorrect API key provided: sk-…"),
 * URLs carry credentials, and errors carry request headers: every string the logger writes goes
 * through redactSecrets (messages, serialized errors), and known secret fields are censored by path.
 */

const RULES: [RegExp, string][] = [
  // OpenAI-style keys (sk-…, sk-proj-…) and Memocha's own (mk_…)
  [/\b(sk-|mk_)[A-Za-z0-9_-]{6,}/g, '$1[redacted]'],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{4,}/gi, '$1 [redacted]'],
  // scheme://user:password@host (or a bare token before @)
  [/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@'"]+@/gi, '$1[redacted]@'],
  [/([?&](?:api[_-]?key|key|token|access_token|secret|password|sig|signature)=)[^&\s'"]+/gi, '$1[redacted]'],
  [/("(?:api[_-]?key|apiKey|authorization|password|secret|token|access_token)"\s*:\s*")[^"]*"/gi, '$1[redacted]"'],
];

export function redactSecrets(s: string): string {
  let out = s;
  for (const [re, to] of RULES) out = out.replace(re, to);
  return out;
}

/** A copy of `v` with every string redacted (objects and arrays to a bounded depth). */
export function redactDeep(v: unknown, depth = 0): unknown {
  if (typeof v === 'string') return redactSecrets(v);
  if (v === null || typeof v !== 'object' || depth > 6) return v;
  if (Array.isArray(v)) return v.map((x) => redactDeep(x, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = redactDeep(x, depth + 1);
  return out;
}

/** Fields censored wherever pino finds them (its redact paths). */
export const REDACT_PATHS = [
  'authorization',
  'apiKey',
  'LLM_API_KEY',
  'headers.authorization',
  'headers.cookie',
  'headers["x-api-key"]',
  'headers["api-key"]',
  '*.authorization',
  '*.apiKey',
  '*.LLM_API_KEY',
  '*.headers.authorization',
  '*.headers.cookie',
  '*.headers["x-api-key"]',
  '*.headers["api-key"]',
];
