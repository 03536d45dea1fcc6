import { describe, expect, it } from 'vitest';
import { placeOf, profileMarkdown, summariseProfile, type CpuProfile } from './cpuprofile';

const cf = (functionName: string, url = '', lineNumber = 0) => ({ functionName, url, lineNumber });

/**
 * root → handle (serve/chat/turn.ts) → encode (gpt-tokenizer) ; root → (idle) ; root → (garbage collector).
 * Samples (time each stands for = the next delta): encode 3 ms, handle 1 ms, encode 2 ms, idle 4 ms, gc 1 ms.
 */
const profile: CpuProfile = {
  nodes: [
    { id: 1, callFrame: cf('(root)'), children: [2, 4, 5] },
    { id: 2, callFrame: cf('handle', 'file:///repo/serve/chat/turn.ts', 9), children: [3] },
    { id: 3, callFrame: cf('encode', 'file:///repo/node_modules/gpt-tokenizer/esm/x.js', 0) },
    { id: 4, callFrame: cf('(idle)') },
    { id: 5, callFrame: cf('(garbage collector)') },
  ],
  samples: [3, 2, 3, 4, 5, 5],
  timeDeltas: [0, 3000, 1000, 2000, 4000, 1000],
  startTime: 0,
  endTime: 11000,
};

describe('summariseProfile', () => {
  it('adds self and inclusive time per function and per place, by the time each sample stands for', () => {
    const s = summariseProfile(profile);
    expect(s.sampledMs).toBe(11);
    expect(s.busyMs).toBe(7);
    const fn = Object.fromEntries(s.byFunction.map((r) => [r.frame, [r.selfMs, r.totalMs]]));
    expect(fn['encode npm:gpt-tokenizer:1']).toEqual([5, 5]);
    expect(fn['handle serve/chat/turn.ts:10']).toEqual([1, 6]);
    expect(fn['(garbage collector)']).toEqual([1, 1]);
    expect(fn['(idle)']).toEqual([4, 4]);
    expect(s.byFunction[0]?.frame).toBe('encode npm:gpt-tokenizer:1');
    const place = Object.fromEntries(s.byPlace.map((r) => [r.frame, [r.selfMs, r.totalMs]]));
    expect(place['npm:gpt-tokenizer']).toEqual([5, 5]);
    expect(place['serve/chat/turn.ts']).toEqual([1, 6]);
  });

  it('names places: scoped packages, node internals, repository files', () => {
    expect(placeOf(cf('f', 'file:///a/node_modules/@electric-sql/pglite/dist/x.js'))).toBe('npm:@electric-sql/pglite');
    expect(placeOf(cf('f', 'node:internal/streams/writable'))).toBe('node:internal');
    expect(placeOf(cf('f', 'file:///work/main/eval/lib/x.ts'))).toBe('eval/lib/x.ts');
    expect(placeOf(cf('(program)'))).toBe('(program)');
  });

  it('writes markdown with shares of the busy time, idle left out', () => {
    const md = profileMarkdown('t', summariseProfile(profile), 5);
    expect(md).toContain('| `encode npm:gpt-tokenizer:1` | 5.0 | 71.4 % | 5.0 | 71.4 % |');
    expect(md).not.toContain('(idle)');
  });
});
