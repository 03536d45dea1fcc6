import { describe, expect, it } from 'vitest';
import { optionsFromArgs } from './main';

describe('CLI options', () => {
  it('reads flags, with env as fallback', () => {
    const opts = optionsFromArgs(
      ['--port', '8001', '--mode', 'scripted', '--ttft-ms', '20:80', '--itl-ms', '2..6', '--error-rate', '0.1', '--error-status', '429', '--script', 'r.json', '--no-usage', '--precise-timers'],
      { SIM_SEED: '9', SIM_MODE: 'echo', SIM_CUT_RATE: '0.5' },
    );
    expect(opts).toMatchObject({
      port: 8001,
      host: '127.0.0.1',
      seed: 9,
      mode: 'scripted',
      ttft: { kind: 'lognormal', medianMs: 20, p99Ms: 80 },
      itl: { kind: 'uniform', minMs: 2, maxMs: 6 },
      scriptPath: 'r.json',
      reportUsage: false,
      preciseTimers: true,
      faults: { errorRate: 0.1, errorStatus: 429, cutRate: 0.5 },
    });
  });

  it('defaults to port 8000 and rejects bad values', () => {
    expect(optionsFromArgs([], {})).toMatchObject({ port: 8000, host: '127.0.0.1' });
    expect(optionsFromArgs([], { SIM_TTFT_MS: '20', SIM_ITL_MS: '5' })).toMatchObject({ ttft: { kind: 'fixed', ms: 20 }, itl: { kind: 'fixed', ms: 5 } });
    expect(() => optionsFromArgs(['--error-rate', '2'], {})).toThrow(/errorRate/);
    expect(() => optionsFromArgs(['--error-status', '418'], {})).toThrow(/errorStatus/);
    expect(() => optionsFromArgs(['--bogus'], {})).toThrow();
    expect(() => optionsFromArgs(['--seed', 'x'], {})).toThrow(/seed/);
  });
});
