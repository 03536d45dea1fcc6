/**
 * `npm run sim -- --port 8000 --mode extractive --ttft-ms 20 --itl-ms 5 --seed 42 --error-rate 0.1 --error-status 429`
 * Flags win over SIM_* environment variables. Delays: `20` fixed, `10..30` uniform, `20:80` lognormal median:p99.
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { parseDelay } from './delays';
import { validateOptions } from './options';
import { startSimulator } from './server';
import type { FaultSpec, StartSimulatorOptions } from './types';

const FLAGS = {
  port: { type: 'string', env: 'SIM_PORT' },
  host: { type: 'string', env: 'SIM_HOST' },
  mode: { type: 'string', env: 'SIM_MODE' },
  model: { type: 'string', env: 'SIM_MODEL' },
  seed: { type: 'string', env: 'SIM_SEED' },
  'ttft-ms': { type: 'string', env: 'SIM_TTFT_MS' },
  'itl-ms': { type: 'string', env: 'SIM_ITL_MS' },
  'output-tokens': { type: 'string', env: 'SIM_OUTPUT_TOKENS' },
  'chunk-tokens': { type: 'string', env: 'SIM_CHUNK_TOKENS' },
  script: { type: 'string', env: 'SIM_SCRIPT' },
  'error-rate': { type: 'string', env: 'SIM_ERROR_RATE' },
  'error-status': { type: 'string', env: 'SIM_ERROR_STATUS' },
  'retry-after': { type: 'string', env: 'SIM_RETRY_AFTER_S' },
  'hang-rate': { type: 'string', env: 'SIM_HANG_RATE' },
  'cut-rate': { type: 'string', env: 'SIM_CUT_RATE' },
  'cut-after': { type: 'string', env: 'SIM_CUT_AFTER_TOKENS' },
  'malformed-rate': { type: 'string', env: 'SIM_MALFORMED_RATE' },
  'no-usage': { type: 'boolean', env: 'SIM_NO_USAGE' },
  'precise-timers': { type: 'boolean', env: 'SIM_PRECISE_TIMERS' },
  'api-key': { type: 'string', env: 'SIM_API_KEY' },
  'max-records': { type: 'string', env: 'SIM_MAX_RECORDS' },
  help: { type: 'boolean', short: 'h', env: '' },
} as const;

type Flag = keyof typeof FLAGS;

export function optionsFromArgs(argv: string[], env: NodeJS.ProcessEnv): StartSimulatorOptions & { help?: boolean } {
  const config = Object.fromEntries(Object.entries(FLAGS).map(([k, f]) => [k, 'short' in f ? { type: f.type, short: f.short } : { type: f.type }]));
  const { values } = parseArgs({ args: argv, options: config, strict: true, allowPositionals: false });
  const get = (flag: Flag): string | undefined => {
    const v = values[flag];
    if (typeof v === 'string') return v;
    if (v === true) return 'true';
    const fromEnv = FLAGS[flag].env ? env[FLAGS[flag].env] : undefined;
    return fromEnv === '' ? undefined : fromEnv;
  };
  const num = (flag: Flag): number | undefined => {
    const v = get(flag);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n)) throw new Error(`--${flag}: "${v}" is not a number`);
    return n;
  };
  const delay = (flag: Flag) => {
    const v = get(flag);
    return v === undefined ? undefined : parseDelay(v);
  };

  const faults: FaultSpec = {
    errorRate: num('error-rate'),
    errorStatus: num('error-status') as FaultSpec['errorStatus'],
    retryAfterS: num('retry-after'),
    hangRate: num('hang-rate'),
    cutRate: num('cut-rate'),
    cutAfterTokens: num('cut-after'),
    malformedRate: num('malformed-rate'),
  };
  const flag = (name: Flag): boolean | undefined => {
    const v = get(name);
    return v === undefined ? undefined : ['true', '1', 'yes'].includes(v);
  };
  const noUsage = flag('no-usage');
  const raw = {
    seed: num('seed'),
    mode: get('mode'),
    model: get('model'),
    ttft: delay('ttft-ms'),
    itl: delay('itl-ms'),
    outputTokens: num('output-tokens'),
    chunkTokens: num('chunk-tokens'),
    scriptPath: get('script'),
    faults: Object.values(faults).some((v) => v !== undefined) ? faults : undefined,
    reportUsage: noUsage === undefined ? undefined : !noUsage,
    preciseTimers: flag('precise-timers'),
    maxRecords: num('max-records'),
  };
  const defined = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined));
  const apiKey = get('api-key');
  return { ...validateOptions(defined), port: num('port') ?? 8000, host: get('host') ?? '127.0.0.1', ...(apiKey === undefined ? {} : { apiKey }), help: values.help === true };
}

async function main(): Promise<void> {
  const log = pino({ name: 'memocha-sim', level: process.env.LOG_LEVEL ?? 'info' });
  const { help, ...opts } = optionsFromArgs(process.argv.slice(2), process.env);
  if (help) {
    const names = Object.keys(FLAGS).map((f) => `--${f}`);
    console.log(`Usage: npm run sim -- [${names.join('] [')}]\nSee serve/llm/simulator/README.md.`);
    return;
  }
  const sim = await startSimulator(opts);
  log.info({ url: sim.url, options: sim.options, apiKey: sim.apiKey === undefined ? 'none' : 'required' }, `simulator listening on ${sim.url}`);
  const stop = (signal: string): void => {
    log.info({ signal, requests: sim.requests.length }, 'shutting down');
    void sim.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
