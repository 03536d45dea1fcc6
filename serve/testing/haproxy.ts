/**
 * HAProxy (Debian's package, `.ci/run` installs it) as a plain child process in front of Memocha instances:
 * the config the cluster harness generates, starting it, and reading server states from its admin socket.
 * deploy/haproxy.cfg is the same shape for docker-compose.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import path from 'node:path';

export type Balance = 'roundrobin' | 'leastconn';

export interface HaproxyBackend {
  name: string;
  host: string;
  port: number;
}

export interface HaproxyConfigOptions {
  port: number;
  backends: HaproxyBackend[];
  balance: Balance;
  adminSocket: string;
  /** health check interval, ms */
  checkIntervalMs?: number;
}

/**
 * The balancer's rules, and why:
 * - health checks GET /readyz (503 when the instance's database is unreachable): `fall 3` marks a dead instance
 *   down after three failed checks (refused connections fail at once), and `observe layer4` + `on-error fastinter` checks at once when real traffic
 *   fails to connect to it.
 * - `retry-on conn-failure` + `option redispatch`: a request whose connection was refused was never sent, so it is
 *   retried on another instance. Nothing else is retried: a POST that reached an instance may have stored its
 *   message, and a second try would answer it twice.
 * - An instance that dies before answering a request: HAProxy answers 502 when the request was the first on its
 *   client connection, but closes a kept-alive client connection with no response at all for later ones (its
 *   `abort_keep_alive`, so that the client may retry): either way nothing was acknowledged (no `meta` event).
 * - SSE: HAProxy forwards response data as it comes (no buffering in HTTP mode, no compression configured);
 *   `timeout server` must outlast the longest answer with no byte in between (the LLM's time to first token plus
 *   the turn's retries), `http-no-delay` sends each small token event without waiting to fill a packet.
 */
export function haproxyConfig(o: HaproxyConfigOptions): string {
  const inter = o.checkIntervalMs ?? 500;
  const servers = o.backends.map((b) => `  server ${b.name} ${b.host}:${b.port}`);
  return [
    'global',
    '  maxconn 4000',
    // One thread: on a small machine the instances need the cores; at chat rates one thread is far from busy.
    '  nbthread 1',
    `  stats socket ${o.adminSocket} mode 600 level admin`,
    '  log stdout format raw local0 info',
    '',
    'defaults',
    '  mode http',
    '  log global',
    '  option httplog',
    '  option forwardfor',
    '  option http-no-delay',
    // Every request opens its own connection to an instance (cheap on a LAN) and closes it after the response, so
    // none rides an idle connection that the instance is closing (Node's keepAliveTimeout, 5 s) or that died with
    // it: HAProxy would close the client's connection with no response (see above). After a kill, new requests
    // meet a refused connect instead, which is retried elsewhere.
    '  option http-server-close',
    '  timeout connect 2s',
    // A check answered slowly by a busy instance is not a dead instance (a dead one refuses at once): with the
    // other instance gone, taking the last one out for being slow would turn a slowdown into an outage.
    '  timeout check 10s',
    '  timeout client 5m',
    '  timeout server 5m',
    '  timeout http-request 30s',
    '  timeout http-keep-alive 30s',
    '  timeout queue 10s',
    '  timeout tunnel 1h',
    '  retries 3',
    '  retry-on conn-failure',
    '  option redispatch 1',
    '',
    'frontend memocha',
    `  bind 127.0.0.1:${o.port}`,
    '  default_backend instances',
    // Which instance a response came from, also on HAProxy's own errors (a 502 when the instance died before
    // answering): <NOSRV> when none was picked.
    '  http-after-response set-header X-Memocha-Upstream %s',
    '',
    'backend instances',
    // leastconn, not roundrobin: an answer streams for seconds, so the instance with the fewest open streams is
    // the least loaded one; roundrobin would keep handing new streams to an instance still busy with long ones.
    `  balance ${o.balance}`,
    '  option httpchk',
    '  http-check send meth GET uri /readyz',
    '  http-check expect status 200',
    `  default-server check inter ${inter}ms fastinter ${Math.max(100, Math.round(inter / 4))}ms downinter ${inter}ms fall 3 rise 2 observe layer4 error-limit 1 on-error fastinter`,
    ...servers,
    '',
  ].join('\n');
}

export interface RunningHaproxy {
  pid: number;
  /** Each server's status as HAProxy sees it (UP, DOWN, MAINT, "UP 1/2", ...), by name. */
  serverStates(): Promise<Record<string, string>>;
  close(): Promise<void>;
}

/** Write the config into `dir` and start `haproxy -db -f <cfg>` (foreground, not the system service). */
export async function startHaproxy(dir: string, o: Omit<HaproxyConfigOptions, 'adminSocket'>): Promise<RunningHaproxy> {
  const adminSocket = path.join(dir, 'haproxy.sock');
  const cfg = path.join(dir, 'haproxy.cfg');
  await writeFile(cfg, haproxyConfig({ ...o, adminSocket }));
  // Output straight into the file (no pipe through this process, which may be busy generating load).
  const log = openSync(path.join(dir, 'haproxy.log'), 'a');
  const child = spawn('haproxy', ['-db', '-f', cfg], { stdio: ['ignore', log, log] });
  closeSync(log);
  const exited = exitOf(child);
  const failed = await Promise.race([exited.then((code) => code), waitForPort(o.port, 10_000).then(() => undefined)]);
  if (failed !== undefined || child.pid === undefined) throw new Error(`haproxy exited (${String(failed)}) at start; see ${path.join(dir, 'haproxy.log')}`);
  return {
    pid: child.pid,
    serverStates: async () => parseStates(await adminCommand(adminSocket, 'show stat')),
    close: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Resolves with the exit code (or signal) once the child has exited. */
export function exitOf(child: ChildProcess): Promise<number | string> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode ?? child.signalCode ?? 'exited');
    else child.once('exit', (code, signal) => resolve(code ?? signal ?? 'exited'));
  });
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > end) throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function adminCommand(socket: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(socket);
    let out = '';
    s.setEncoding('utf8');
    s.on('connect', () => s.end(`${command}\n`));
    s.on('data', (d: string) => (out += d));
    s.on('end', () => resolve(out));
    s.on('error', reject);
  });
}

/** `show stat` CSV: "# pxname,svname,...,status,..." then a row per proxy/server. */
function parseStates(csv: string): Record<string, string> {
  const [header, ...rows] = csv.trim().split('\n');
  const cols = (header ?? '').replace(/^# /, '').split(',');
  const px = cols.indexOf('pxname');
  const sv = cols.indexOf('svname');
  const status = cols.indexOf('status');
  const states: Record<string, string> = {};
  for (const row of rows) {
    const f = row.split(',');
    if (f[px] === 'instances' && f[sv] !== 'BACKEND') states[f[sv]!] = f[status]!;
  }
  return states;
}
