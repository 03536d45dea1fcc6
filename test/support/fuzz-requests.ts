/**
 * fast-check arbitraries for hostile HTTP requests against every Memocha route: odd methods, paths and ids,
 * query strings, headers and bodies (invalid JSON, wrong types, NUL, lone surrogates, deep nesting,
 * numbers out of range, oversized). `send` issues one over node:http, which lets through what fetch would refuse.
 */
import { request, Agent } from 'node:http';
import fc from 'fast-check';

export interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: { bytes: Buffer; chunked: boolean };
}

export interface FuzzResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** The ids the fuzz may put in a path or body: a real session of a user the fuzz never acts as, and junk. */
export interface FuzzIds {
  ownedSession: string;
  /** sessions of the users the fuzz acts as (fuzz-a, fuzz-b), so their handlers get past the 404 */
  fuzzSessions: readonly string[];
  /** live API keys of the fuzz users, when the server requires keys (AUTH=required) */
  keys?: readonly string[];
}

/** Every route of serve/app.ts (routes/*.ts), with `:id` where a session id goes. */
export const ROUTES: readonly { method: string; path: string }[] = [
  { method: 'GET', path: '/healthz' },
  { method: 'GET', path: '/readyz' },
  { method: 'GET', path: '/metrics' },
  { method: 'POST', path: '/v1/sessions' },
  { method: 'GET', path: '/v1/sessions' },
  { method: 'GET', path: '/v1/sessions/:id' },
  { method: 'DELETE', path: '/v1/sessions/:id' },
  { method: 'PATCH', path: '/v1/sessions/:id' },
  { method: 'GET', path: '/v1/sessions/:id/messages' },
  { method: 'POST', path: '/v1/sessions/:id/messages' },
  { method: 'POST', path: '/chat' },
  { method: 'GET', path: '/v1/memories' },
  { method: 'DELETE', path: '/v1/memories' },
  { method: 'DELETE', path: '/v1/memories/:id' },
  { method: 'DELETE', path: '/v1/sessions/:id/memories' },
  { method: 'GET', path: '/v1/models' },
  { method: 'GET', path: '/v1/models/:id' },
  { method: 'POST', path: '/v1/chat/completions' },
  { method: 'GET', path: '/api/reports' },
  { method: 'GET', path: '/api/reports/files/:id' },
];

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'FOO', 'get', 'PROPFIND'];

/** Path-safe text: node:http refuses raw spaces, controls and chars > 0xff in a path, so those go percent-encoded. */
const pathText = () =>
  fc.oneof(
    fc.string({ maxLength: 40 }).map(encodeURIComponent),
    fc.string({ unit: 'binary', maxLength: 20 }).map(encodeURIComponent),
    fc.constantFrom('%', '%ZZ', '%E0%A4%A', '%00', '%C0%AF', '..', '.', '%2e%2e', '//', ';a=b', '%FF%FE', 'a'.repeat(3000), '%F0%9F%98%80'),
  );

const uuidLike = () =>
  fc.oneof(
    fc.uuid(),
    fc.uuid().map((u) => u.toUpperCase()),
    fc.constant('00000000-0000-0000-0000-000000000000'),
    fc.constant('ffffffff-ffff-ffff-ffff-ffffffffffff'),
    fc.uuid().map((u) => `${u}x`),
    fc.uuid().map((u) => u.replace(/-/g, '')),
    fc.uuid().map((u) => `{${u}}`),
  );

const idArb = (ids: FuzzIds) =>
  fc.oneof({ weight: 2, arbitrary: fc.constant(ids.ownedSession) }, { weight: 3, arbitrary: fc.constantFrom(...ids.fuzzSessions) }, { weight: 3, arbitrary: uuidLike() }, { weight: 3, arbitrary: pathText() });

/** Cursors: base64url of JSON shaped like the real ones but with impossible or wrong-typed parts, and junk. */
const cursorArb = () => {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v), 'utf8').toString('base64url');
  const stamp = fc.tuple(fc.integer({ min: 0, max: 99999 }), fc.integer({ min: 0, max: 99 }), fc.integer({ min: 0, max: 99 }), fc.integer({ min: 0, max: 99 }), fc.integer({ min: 0, max: 99 }), fc.integer({ min: 0, max: 99 }));
  const key = stamp.map(([y, mo, d, h, mi, s]) => `${String(y).padStart(4, '0')}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}T${String(h).padStart(2, '0')}:${String(mi).padStart(2, '0')}:${String(s).padStart(2, '0')}.000000Z`);
  return fc.oneof(
    fc.tuple(key, uuidLike()).map(b64),
    fc.tuple(fc.oneof(fc.integer(), fc.double(), fc.constant(Number.MAX_SAFE_INTEGER), fc.constant(-1), fc.constant(2 ** 63))).map(b64),
    fc.jsonValue({ maxDepth: 3 }).map(b64),
    fc.string({ maxLength: 60 }),
    fc.base64String({ maxLength: 80 }),
  );
};

const isoish = () =>
  fc.oneof(
    fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
    fc.constantFrom('0000-01-01', '0000-12-31T23:59:59Z', '-000001-01-01', '+275760-09-13', '9999-12-31T23:59:59.999Z', '10000-01-01', '2024-02-31', '2024-13-01', '2024-00-10', '0001-01-01T00:00+01:00', 'yesterday', 'now', '', '1', '2024', 'NaN'),
    fc.string({ maxLength: 30 }),
  );

const oddValue = () =>
  fc.oneof(
    fc.string({ maxLength: 30 }),
    fc.string({ unit: 'grapheme', maxLength: 30 }),
    fc.integer().map(String),
    fc.constantFrom('0', '-1', '1e308', '-0', 'NaN', 'Infinity', '1.5', '9007199254740993', '0x10', ' 5', '', '\u0000', 'a\u0000b', '%00', '\ud800'),
    fc.string({ maxLength: 5000, minLength: 4000 }),
  );

/** A query string: known parameters (sometimes repeated) and random ones, with odd values. */
const queryArb = () => {
  const known = fc.constantFrom('limit', 'cursor', 'q', 'sessionId', 'from', 'to', 'k', 'stream');
  const pair = fc.oneof(
    fc.tuple(known, oddValue()),
    fc.tuple(fc.constant('cursor'), cursorArb()),
    fc.tuple(fc.constantFrom('from', 'to'), isoish()),
    fc.tuple(fc.string({ maxLength: 12 }), oddValue()),
  );
  return fc.array(pair, { maxLength: 6 }).map((pairs) =>
    pairs.length === 0 ? '' : `?${pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v.replace(/[\ud800-\udfff]/g, '\ufffd'))}`).join('&')}`,
  );
};

/** Header values node:http accepts (tab, printable ASCII and latin1): the rest cannot be sent. */
const headerText = (maxLength = 40) => fc.string({ unit: fc.integer({ min: 0x20, max: 0xff }).filter((c) => c !== 0x7f).map((c) => String.fromCharCode(c)), maxLength });

const authorizationArb = (ids: FuzzIds) => {
  const junk = fc.oneof(fc.constantFrom('Bearer ', 'Bearer x', 'Bearer mk_' + 'a'.repeat(43), 'Bearer mk_' + 'a'.repeat(44), 'Basic YTpi', 'bearer', 'Bearer \u00ff\u00fe'), headerText(200));
  const keys = ids.keys ?? [];
  if (keys.length === 0) return junk;
  const real = fc.constantFrom(...keys);
  return fc.oneof(
    { weight: 4, arbitrary: real.map((k) => `Bearer ${k}`) },
    { weight: 1, arbitrary: real.map((k) => `bearer ${k}`) },
    { weight: 1, arbitrary: fc.tuple(real, fc.integer({ min: 0, max: 45 })).map(([k, n]) => `Bearer ${k.slice(0, n)}`) },
    { weight: 2, arbitrary: junk },
  );
};

const headersArb = (ids: FuzzIds) =>
  fc.record(
    {
      'content-type': fc.oneof(
        { weight: 4, arbitrary: fc.constant('application/json') },
        fc.constantFrom('application/json', 'application/json; charset=utf-8', 'application/json; charset=utf-16', 'APPLICATION/JSON', 'application/json;;;', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/vnd.api+json', 'text/event-stream', ''),
        headerText(),
      ),
      accept: fc.oneof(fc.constantFrom('text/event-stream', 'application/json', '*/*', 'text/event-stream;q=0, application/json', 'text/html', ''), headerText()),
      // never the owner of the seeded data: it must survive the run
      'x-memocha-user': fc.oneof(
        { weight: 6, arbitrary: fc.constantFrom('fuzz-a', 'fuzz-b', 'fuzz_c.d@e', 'x'.repeat(128)) },
        { weight: 2, arbitrary: fc.constantFrom('x'.repeat(129), '', 'a b', "x'; drop table users; --", 'FUZZ-OWNER-not', '..', '\u00e9') },
        { weight: 1, arbitrary: headerText(140) },
      ),
      authorization: authorizationArb(ids),
      'x-request-id': fc.oneof(fc.uuid(), headerText(200)),
    },
    { requiredKeys: [] },
  ).map((h) => {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(h)) if (v !== undefined && !(k === 'x-memocha-user' && /^fuzz-owner$/i.test(v))) out[k] = v;
    return out;
  });

/** JSON bodies: the right field names with wrong values, random JSON, deep nesting. */
const jsonBody = (ids: FuzzIds) => {
  const anyJson = fc.jsonValue({ maxDepth: 4 });
  const wrong = fc.oneof(
    anyJson,
    fc.string({ maxLength: 50 }),
    fc.string({ unit: 'binary', maxLength: 50 }),
    fc.constantFrom('', ' \n\t', 'a\u0000b', '\u0000', '\ud800', '\udfff\ud800', '😀'.repeat(10), 'x'.repeat(20_000)),
    fc.constantFrom(1e308, -1e308, -0, 1.5, 2 ** 53 + 2, -1, 0, 32_769, 2.0000001, Number.MIN_VALUE),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
  );
  const field = (name: string) => fc.tuple(fc.constant(name), wrong);
  const fields = fc.array(
    fc.oneof(field('content'), field('message'), field('title'), field('temperature'), field('maxTokens'), fc.tuple(fc.constant('sessionId'), fc.oneof(idArb(ids), wrong)), field('role'), field('model'), field('messages'), field('stream_options'), field('max_tokens'), field('stop'), field('metadata'), fc.tuple(fc.string({ maxLength: 10 }), wrong)),
    { maxLength: 5 },
  );
  return fc.oneof(
    { weight: 4, arbitrary: fields.map((f) => JSON.stringify(Object.fromEntries(f))) },
    { weight: 1, arbitrary: anyJson.map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 20_000 }).map((n) => '['.repeat(n) + ']'.repeat(n)) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 5_000 }).map((n) => '{"a":'.repeat(n) + '1' + '}'.repeat(n)) },
    // valid-looking turns: some get answered, which is fine
    { weight: 1, arbitrary: fc.record({ content: fc.string({ minLength: 1, maxLength: 40 }), temperature: fc.double({ min: 0, max: 2, noNaN: true }) }).map((b) => JSON.stringify(b)) },
  );
};

const bodyArb = (ids: FuzzIds) =>
  fc.oneof(
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: 5, arbitrary: jsonBody(ids).map((s) => Buffer.from(s, 'utf8')) },
    // invalid JSON and invalid UTF-8
    { weight: 2, arbitrary: fc.string({ maxLength: 200 }).map((s) => Buffer.from(s, 'utf8')) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)) },
    { weight: 1, arbitrary: fc.constantFrom('{"content": "x"', '{"content":"\\ud800"}', '{"content":"\\u0000"}', '{"title":"\\u0000"}', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{}}}', 'null', '[]', '"x"', '1e999', '{"content":"a","content":5}').map((s) => Buffer.from(s)) },
    // a little over MAX_BODY_BYTES as the fuzz stack sets it (4096)
    { weight: 1, arbitrary: fc.integer({ min: 4_000, max: 9_000 }).map((n) => Buffer.from(JSON.stringify({ content: 'x'.repeat(n) }))) },
  ).chain((bytes) => (bytes === undefined ? fc.constant(undefined) : fc.boolean().map((chunked) => ({ bytes, chunked }))));

/**
 * Near-valid requests for a route: the right method, a JSON body and query it accepts (mostly), with one odd
 * part mixed in now and then, so the fuzz gets past validation into the handlers and the database.
 */
function nearValid(ids: FuzzIds): fc.Arbitrary<FuzzRequest> {
  const words = fc.array(fc.constantFrom('Ana', 'lives', 'in', 'Lisbon', 'where', 'does', 'work', 'dog', '😀', 'é', "'", '"', '%', '\\', '<b>', ' '), { minLength: 1, maxLength: 8 }).map((w) => w.join(' '));
  const text = fc.oneof({ weight: 5, arbitrary: words }, { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 60 }) });
  const q = (pairs: [string, string][]) => (pairs.length ? `?${pairs.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')}` : '');
  const page = fc.record({ limit: fc.integer({ min: 1, max: 200 }).map(String), cursor: cursorArb() }, { requiredKeys: [] }).map((o) => q(Object.entries(o)));
  const search = fc
    .record({ q: text, k: fc.integer({ min: 1, max: 100 }).map(String), sessionId: fc.oneof(fc.constant(ids.ownedSession), fc.constantFrom(...ids.fuzzSessions), fc.uuid()) }, { requiredKeys: ['q'] })
    .chain((o) => fc.option(fc.tuple(fc.constantFrom('from', 'to'), isoish()), { freq: 3 }).map((range) => q([...Object.entries(o), ...(range ? [range] : [])])));
  const turn = fc.record({ temperature: fc.double({ min: 0, max: 2, noNaN: true }), maxTokens: fc.integer({ min: 1, max: 600 }) }, { requiredKeys: [] });
  const id = idArb(ids);
  const json = (v: unknown) => ({ bytes: Buffer.from(JSON.stringify(v)), chunked: false });
  const shapes: fc.Arbitrary<{ method: string; path: string; body?: FuzzRequest['body'] }>[] = [
    fc.constantFrom('/healthz', '/readyz', '/metrics').map((path) => ({ method: 'GET', path })),
    fc.option(fc.record({ title: text }), { nil: undefined }).map((b) => ({ method: 'POST', path: '/v1/sessions', ...(b ? { body: json(b) } : {}) })),
    page.map((query) => ({ method: 'GET', path: `/v1/sessions${query}` })),
    fc.tuple(id, fc.integer({ min: 0, max: 3 })).map(([i, n]) => (n === 0 ? { method: 'DELETE', path: `/v1/sessions/${i}` } : { method: 'GET', path: `/v1/sessions/${i}` })), // deletes rarer: they end a session's coverage
    fc.tuple(id, page).map(([i, query]) => ({ method: 'GET', path: `/v1/sessions/${i}/messages${query}` })),
    fc.tuple(id, text, turn).map(([i, content, o]) => ({ method: 'POST', path: `/v1/sessions/${i}/messages`, body: json({ content, ...o }) })),
    fc.tuple(text, fc.option(id, { nil: undefined }), turn, fc.constantFrom('', '?stream=true', '?stream=false')).map(([message, sessionId, o, query]) => ({ method: 'POST', path: `/chat${query}`, body: json({ message, ...(sessionId ? { sessionId } : {}), ...o }) })),
    search.map((query) => ({ method: 'GET', path: `/v1/memories${query}` })),
    fc.constant({ method: 'DELETE', path: '/v1/memories' }),
    fc.oneof(id, fc.uuid()).map((i) => ({ method: 'DELETE', path: `/v1/memories/${i}` })),
    fc.tuple(id, fc.option(text, { nil: null })).map(([i, title]) => ({ method: 'PATCH', path: `/v1/sessions/${i}`, body: json({ title }) })),
    id.map((i) => ({ method: 'DELETE', path: `/v1/sessions/${i}/memories` })),
    fc.option(fc.constantFrom('memocha', 'gpt-4o', ''), { nil: undefined }).map((m) => ({ method: 'GET', path: m === undefined ? '/v1/models' : `/v1/models/${m}` })),
    fc.tuple(completionMessages(text), completion, fc.option(fc.oneof(id, text), { nil: undefined })).map(([messages, o, key]) => ({
      method: 'POST',
      path: '/v1/chat/completions',
      body: json({ model: 'memocha', messages, ...o, ...(key !== undefined ? { metadata: { session_id: key } } : {}) }),
    })),
  ];
  const keys = ids.keys ?? [];
  const headers = fc.record({
    'content-type': fc.constant('application/json'),
    accept: fc.constantFrom('application/json', 'text/event-stream', '*/*'),
    'x-memocha-user': fc.constantFrom('fuzz-a', 'fuzz-b', 'fuzz-a', 'fuzz_c.d@e'),
    ...(keys.length > 0 ? { authorization: fc.constantFrom(...keys).map((k) => `Bearer ${k}`) } : {}),
  });
  return fc.tuple(fc.oneof(...shapes), headers).map(([shape, h]) => ({ method: shape.method, path: shape.path, headers: h, ...(shape.body ? { body: shape.body } : {}) }));
}

/** An OpenAI-style conversation: mostly well formed, ending with the user's message now and then not. */
function completionMessages(text: fc.Arbitrary<string>) {
  const role = fc.oneof({ weight: 8, arbitrary: fc.constantFrom('user', 'assistant', 'system') }, { weight: 1, arbitrary: fc.constantFrom('developer', 'tool', 'robot') });
  const content = fc.oneof({ weight: 6, arbitrary: text }, { weight: 1, arbitrary: fc.array(fc.record({ type: fc.constantFrom('text', 'image_url'), text }), { maxLength: 3 }) }, { weight: 1, arbitrary: fc.constant(null) });
  const earlier = fc.array(fc.record({ role, content }), { maxLength: 5 });
  const last = fc.oneof({ weight: 8, arbitrary: text.map((c) => ({ role: 'user', content: c })) }, { weight: 1, arbitrary: fc.record({ role, content }) });
  return fc.tuple(earlier, last).map(([e, l]) => [...e, l]);
}

const completion = fc.record(
  {
    stream: fc.boolean(),
    stream_options: fc.record({ include_usage: fc.boolean() }),
    temperature: fc.double({ min: 0, max: 2, noNaN: true }),
    max_tokens: fc.integer({ min: 1, max: 600 }),
    stop: fc.oneof(fc.constantFrom('.', 'Lisbon'), fc.array(fc.constantFrom('.', '\n', 'a'), { minLength: 1, maxLength: 4 })),
    user: fc.constantFrom('fuzz-a', 'fuzz-b', 'fuzz-a', 'fuzz-b', 'not valid!'),
    top_p: fc.double({ min: 0, max: 1, noNaN: true }),
    // the refused forms rarely, so most requests get past validation
    n: fc.constantFrom(1, 1, 1, 1, 2),
    tools: fc.constantFrom([], [], [], [], [{ type: 'function', function: { name: 'f' } }]),
  },
  { requiredKeys: [] },
);

/** Hostile requests: any route or a random path, any method, query, headers and body. */
function hostile(ids: FuzzIds): fc.Arbitrary<FuzzRequest> {
  const routePath = fc.tuple(fc.constantFrom(...ROUTES), idArb(ids)).map(([r, id]) => ({ method: r.method, path: r.path.replace(':id', id) }));
  const randomPath = fc.array(pathText(), { minLength: 1, maxLength: 4 }).map((segs) => `/${segs.join('/')}`);
  const prefixed = fc.tuple(fc.constantFrom('/v1/', '/v1/sessions/', '/v1/memories/', '/chat/', '/healthz/', '/metrics/'), pathText()).map(([a, b]) => a + b);
  const target = fc.oneof(
    { weight: 6, arbitrary: routePath },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...METHODS), fc.oneof(randomPath, prefixed)).map(([method, path]) => ({ method, path })) },
  );
  const method = fc.oneof({ weight: 5, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom(...METHODS) });
  return fc
    .record({ target, otherMethod: method, query: queryArb(), headers: headersArb(ids), body: bodyArb(ids) })
    .map(({ target, otherMethod, query, headers, body }) => ({ method: otherMethod ?? target.method, path: target.path + query, headers, ...(body ? { body } : {}) }));
}

export function requestArb(ids: FuzzIds): fc.Arbitrary<FuzzRequest> {
  return fc.oneof({ weight: 2, arbitrary: nearValid(ids) }, { weight: 3, arbitrary: hostile(ids) }).map(withShortPrint);
}

/** fast-check prints counterexamples with this: a few hundred characters, not 50 kB of query string. */
function withShortPrint(r: FuzzRequest): FuzzRequest {
  const cut = (s: string, n = 300) => (s.length > n ? `${s.slice(0, n)}…(${s.length} chars)` : s);
  const text = () =>
    JSON.stringify({ method: r.method, path: cut(r.path), headers: Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k, cut(v, 80)])), body: r.body && { chunked: r.body.chunked, text: cut(r.body.bytes.toString('utf8')) } });
  return Object.defineProperty(r, fc.toStringMethod, { value: text, enumerable: false });
}

// a connection per request: a request the parser rejects closes its connection
const agent = new Agent({ keepAlive: false });

/** One request; the whole response body is read (SSE streams included). */
export function send(base: URL, r: FuzzRequest, timeoutMs = 30_000): Promise<FuzzResponse> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { ...r.headers };
    // node:http would send a GET/DELETE body unframed: always say how long it is
    if (r.body) headers[r.body.chunked ? 'transfer-encoding' : 'content-length'] = r.body.chunked ? 'chunked' : r.body.bytes.length;
    const req = request({ host: base.hostname, port: base.port, method: r.method, path: r.path, headers, agent, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    if (r.body) req.end(r.body.bytes);
    else req.end();
  });
}
