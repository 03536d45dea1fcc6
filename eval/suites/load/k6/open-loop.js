/* global __ENV, __VU, __ITER */
// k6 open-loop chat load: a fixed arrival rate whatever the server does (k6 `constant-arrival-rate`).
// k6 spaces arrivals evenly; `memocha-eval load` uses Poisson/gamma arrivals instead (vLLM's model), so
// the two agree on the mean rate but not on burstiness. UNTESTED here (see README.md).
//
//   k6 run -e BASE_URL=http://127.0.0.1:3000 -e RATE=10 -e DURATION_S=60 eval/suites/load/k6/open-loop.js
import http from 'k6/http';
import { check } from 'k6';
import { Rate, Trend } from 'k6/metrics';

const BASE_URL = __ENV.BASE_URL || 'http://127.0.0.1:3000';
const ttc = new Trend('chat_ttc_ms', true);
const done = new Rate('chat_done');

export const options = {
  scenarios: {
    open: {
      executor: 'constant-arrival-rate',
      rate: Number(__ENV.RATE || 10),
      timeUnit: '1s',
      duration: `${Number(__ENV.DURATION_S || 60)}s`,
      preAllocatedVUs: Number(__ENV.PRE_VUS || 50),
      maxVUs: Number(__ENV.MAX_VUS || 1000),
    },
  },
  thresholds: {
    chat_done: ['rate>0.99'],
    chat_ttc_ms: ['p(99)<10000'],
    dropped_iterations: ['count<1'],
  },
};

export default function () {
  const res = http.post(`${BASE_URL}/chat?stream=true`, JSON.stringify({ message: `What do you remember about me? [k6-open-${__VU}-${__ITER}]` }), {
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', 'x-memocha-user': `k6-open-${__VU % 100}` },
    timeout: '60s',
  });
  const ok = res.status === 200 && /\nevent: done\n/.test(`\n${res.body}`);
  done.add(ok);
  if (ok) ttc.add(res.timings.duration);
  check(res, { 'status 200': (r) => r.status === 200, 'stream ended with done': () => ok });
}
