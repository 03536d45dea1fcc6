import { describe, expect, it } from 'vitest';
import { createProgress, line } from './progress';

function sink(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, stream: { isTTY, columns: 200, write: (s: string) => (writes.push(s), true) } };
}

describe('progress', () => {
  it('draws a throttled line on a TTY and ends it with a newline', () => {
    const { writes, stream } = sink(true);
    let t = 0;
    const p = createProgress(10, { label: 'run', stream, enabled: true, now: () => t });
    t = 1000;
    p.tick();
    t = 1050;
    p.tick(); // within 100 ms: not redrawn
    t = 2000;
    p.tick(3);
    p.done();
    p.done();
    expect(writes).toHaveLength(3);
    expect(writes[0]).toContain('run [##..................] 1/10 10%');
    expect(writes[2]).toMatch(/5\/10 50% 2\.5\/s 2s elapsed ETA 2s\n$/);
  });

  it('is silent when not a TTY', () => {
    const { writes, stream } = sink(false);
    const p = createProgress(3, { stream });
    p.tick();
    p.done();
    expect(writes).toEqual([]);
  });

  it('formats an open-ended count and clips to the terminal width', () => {
    expect(line('x', 7, 0, 2, 100)).toBe('x 7 3.5/s 2s elapsed');
    expect(line('a-very-long-label', 1, 10, 1, 10)).toHaveLength(9);
  });
});
