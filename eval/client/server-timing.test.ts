import { describe, expect, it } from 'vitest';
import { parseServerTiming } from './server-timing';

describe('parseServerTiming', () => {
  it('reads the examples of the W3C Server Timing spec', () => {
    expect(parseServerTiming('miss, db;dur=53, app;dur=47.2')).toEqual([
      { name: 'miss', dur: 0, desc: '' },
      { name: 'db', dur: 53, desc: '' },
      { name: 'app', dur: 47.2, desc: '' },
    ]);
    expect(parseServerTiming('customView, dc;desc=atl')).toEqual([
      { name: 'customView', dur: 0, desc: '' },
      { name: 'dc', dur: 0, desc: 'atl' },
    ]);
    expect(parseServerTiming('cache;desc="Cache Read";dur=23.2')).toEqual([{ name: 'cache', dur: 23.2, desc: 'Cache Read' }]);
  });

  it('handles whitespace, escapes, commas in quoted strings, repeated and unknown params', () => {
    expect(parseServerTiming(' a ; dur = 1.5 ; desc="x, \\"y\\"" , b;foo=bar;dur=2;dur=3')).toEqual([
      { name: 'a', dur: 1.5, desc: 'x, "y"' },
      { name: 'b', dur: 2, desc: '' },
    ]);
  });

  it('keeps a bad dur as 0 and skips a metric that is not a token', () => {
    expect(parseServerTiming('a;dur=abc, "bad", c;dur=1')).toEqual([
      { name: 'a', dur: 0, desc: '' },
      { name: 'c', dur: 1, desc: '' },
    ]);
    expect(parseServerTiming(undefined)).toEqual([]);
  });
});
