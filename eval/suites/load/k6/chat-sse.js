/* global __ENV, __VU, __ITER */
// k6 closed-loop chat load against Memocha's POST /chat (SSE), the same workload as `memocha-eval load`:
// one scenario per concurrency step (constant VUs, think time, 3-turn conversations), with thresholds.
// UNTESTED here: the k6 binary is not installable on the dev machine (see README.md).
//
//   k6 run -e BASE_URL=http://127.0.0.1:3000 -e STEPS=1,10,50,100,200,300 -e STEP_S=30 eval/suites/load/k6/chat-sse.js
import http from 'k6/http';
import { check, sleep } from 'k6';
import { Counter, Rate, Trend } from 'k6/metrics';

const BASE_URL = __ENV.BASE_URL || 'http://127.0.0.1:3000';
const STEPS = (__ENV.STEPS || '1,10,50,100').split(',').map(Number);
const STEP_S = Number(__ENV.STEP_S || 30);
const TURNS = Number(__ENV.TURNS || 3);
const THINK_MIN_S = Number(__ENV.THINK_MIN_S || 0.05);
const THINK_MAX_S = Number(__ENV.THINK_MAX_S || 0.15);

// k6 buffers the whole response, so only TTC (end of stream) is measurable without the xk6-sse extension;
// the server's own TTFT comes from the `done` event's timings.
const ttc = new Trend('chat_ttc_ms', true);
const serverTtft = new Trend('chat_server_ttft_ms', true);
const queueWait = new Trend('chat_server_queue_wait_ms', true);
const done = new Rate('chat_done');
const streamErrors = new Counter('chat_stream_errors');
const refused = new Rate('chat_refused_503');

export const options = {
  discardResponseBodies: false,
  scenarios: Object.fromEntries(
    STEPS.map((vus, i) => [
      `c${vus}`,
      { executor: 'constant-vus', vus, duration: `${STEP_S}s`, startTime: `${i * (STEP_S + 5)}s`, gracefulStop: '60s', tags: { users: String(vus) } },
    ]),
  ),
  thresholds: {
    chat_done: ['rate>0.99'],
    chat_refused_503: ['rate<0.01'],
    'chat_ttc_ms{users:10}': ['p(99)<5000'],
    'chat_server_ttft_ms{users:10}': ['p(99)<2000'],
    http_req_failed: ['rate<0.01'],
  },
};

/** The SSE events of a buffered body: [{event, data}]. */
function parseSse(body) {
  const events = [];
  for (const block of String(body || '').split(/\r?\n\r?\n/)) {
    let event = 'message';
    const data = [];
    for (const line of block.split(/\r?\n/)) {
      if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
    }
    if (data.length) events.push({ event, data: data.join('\n') });
  }
  return events;
}

let sessionId = null;
let turn = 0;

export default function () {
  const message = `Tell me something about tea, turn ${turn} [k6-u${__VU}-i${__ITER}]`;
  const body = JSON.stringify(sessionId ? { message, sessionId } : { message });
  const res = http.post(`${BASE_URL}/chat?stream=true`, body, {
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', 'x-memocha-user': `k6-${__VU}` },
    timeout: '60s',
    tags: { name: 'chat' },
  });
  refused.add(res.status === 503);
  const events = res.status === 200 ? parseSse(res.body) : [];
  const fin = events.find((e) => e.event === 'done');
  const err = events.find((e) => e.event === 'error');
  if (err) streamErrors.add(1);
  done.add(Boolean(fin));
  check(res, { 'status 200': (r) => r.status === 200, 'stream ended with done': () => Boolean(fin) });
  if (fin) {
    ttc.add(res.timings.duration);
    const d = JSON.parse(fin.data);
    if (d.timings && d.timings.ttftMs !== undefined) serverTtft.add(d.timings.ttftMs);
    if (d.timings && d.timings.queueWaitMs !== undefined) queueWait.add(d.timings.queueWaitMs);
    const meta = events.find((e) => e.event === 'meta');
    sessionId = meta ? JSON.parse(meta.data).sessionId : null;
  } else {
    sessionId = null;
  }
  turn = sessionId && turn + 1 < TURNS ? turn + 1 : 0;
  if (turn === 0) sessionId = null;
  sleep(THINK_MIN_S + Math.random() * (THINK_MAX_S - THINK_MIN_S));
}
