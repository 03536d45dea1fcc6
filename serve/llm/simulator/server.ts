/** The simulator's HTTP server: OpenAI-compatible endpoints plus the /sim admin side channel. */
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { handleCompletion, sendJson, type CompletionContext } from './completion';
import { DEFAULT_OPTIONS, resolveOptions, type ResolvedOptions } from './options';
import { countTokens } from '../tokens';
import { RecordStore } from './records';
import type { Simulator, SimulatorOptions, StartSimulatorOptions } from './types';
import { WireError } from './wire';

const MAX_BODY_BYTES = 16 * 1024 * 1024;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    req.on('data', (part: Buffer) => {
      size += part.length;
      if (size > MAX_BODY_BYTES) {
        reject(new WireError(413, `Request body larger than ${MAX_BODY_BYTES} bytes.`));
        req.destroy();
      } else parts.push(part);
    });
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}

function notFound(res: ServerResponse, method: string, path: string): void {
  sendJson(res, 404, new WireError(404, `Unknown request URL: ${method} ${path}.`, null, 'unknown_url').body());
}

/** Whether the request carries `Authorization: Bearer <apiKey>` (compared in constant time). */
function authorized(req: IncomingMessage, apiKey: string): boolean {
  const given = Buffer.from(req.headers.authorization ?? '', 'utf8');
  const wanted = Buffer.from(`Bearer ${apiKey}`, 'utf8');
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

export async function startSimulator(opts: StartSimulatorOptions = {}): Promise<Simulator> {
  const { port = 0, host = '127.0.0.1', apiKey, ...simOptions } = opts;
  let resolved: ResolvedOptions = resolveOptions({ ...DEFAULT_OPTIONS }, simOptions);
  countTokens('warm up the tokenizer'); // its first call loads the BPE ranks: keep that out of the first TTFT
  const store = new RecordStore(resolved.options.maxRecords ?? DEFAULT_OPTIONS.maxRecords);
  const ctx: CompletionContext = { current: () => resolved, store };

  const configure = (patch: Partial<SimulatorOptions>): void => {
    resolved = resolveOptions(resolved.options, patch);
    store.maxRecords = resolved.options.maxRecords ?? DEFAULT_OPTIONS.maxRecords;
  };

  const admin = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const route = `${req.method ?? 'GET'} ${url.pathname}`;
    switch (route) {
      case 'GET /sim/requests': {
        const since = Number(url.searchParams.get('since') ?? 0);
        return sendJson(res, 200, Number.isFinite(since) ? store.since(since) : store.records);
      }
      case 'DELETE /sim/requests':
        store.clear();
        return sendJson(res, 200, { ok: true, nextSeq: store.seq });
      case 'GET /sim/config':
        return sendJson(res, 200, resolved.options);
      case 'POST /sim/config': {
        let patch: unknown;
        try {
          patch = JSON.parse(await readBody(req));
          configure(patch as Partial<SimulatorOptions>);
        } catch (err) {
          return sendJson(res, 400, new WireError(400, (err as Error).message).body());
        }
        return sendJson(res, 200, resolved.options);
      }
      default:
        return notFound(res, req.method ?? 'GET', url.pathname);
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const receivedAt = performance.now();
    if (apiKey !== undefined && !authorized(req, apiKey)) {
      return sendJson(res, 401, new WireError(401, 'Incorrect API key provided.', null, 'invalid_api_key', 'invalid_request_error').body());
    }
    const url = new URL(req.url ?? '/', 'http://sim');
    const path = url.pathname.replace(/\/+$/, '');
    if (req.method === 'POST' && (path === '/v1/chat/completions' || path === '/chat/completions')) {
      return handleCompletion(ctx, res, await readBody(req), receivedAt);
    }
    if (req.method === 'GET' && (path === '/v1/models' || path === '/models')) {
      const model = resolved.options.model ?? DEFAULT_OPTIONS.model;
      return sendJson(res, 200, { object: 'list', data: [{ id: model, object: 'model', created: 0, owned_by: 'memocha' }] });
    }
    if (path.startsWith('/sim/')) return admin(req, res, url);
    return notFound(res, req.method ?? 'GET', path);
  };

  const server = createServer({ noDelay: true }, (req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (res.headersSent) return void res.destroy();
      const status = err instanceof WireError ? err.status : 500;
      const body = err instanceof WireError ? err.body() : new WireError(500, String(err), null, null, 'server_error').body();
      sendJson(res, status, body);
    });
  });
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const actualPort = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | undefined;

  return {
    url: `http://${urlHost}:${actualPort}/v1`,
    port: actualPort,
    get requests() {
      return store.records;
    },
    get options() {
      return resolved.options;
    },
    ...(apiKey === undefined ? {} : { apiKey }),
    configure,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Hanging requests and idle keep-alive connections would otherwise hold close() open forever.
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}
