import { describe, expect, it } from 'vitest';
import { formatNumber, formatPercent, markdownTable, textTable } from './format';

describe('format', () => {
  it('formats numbers to 4 significant digits, integers as they are, null/NaN as a dash', () => {
    expect(formatNumber(42)).toBe('42');
    expect(formatNumber(0.123456)).toBe('0.1235');
    expect(formatNumber(12.3456)).toBe('12.35');
    expect(formatNumber(12345.67)).toBe('12345.7');
    expect(formatNumber(null)).toBe('—');
    expect(formatNumber(Number.NaN)).toBe('—');
    expect(formatPercent(0.25)).toBe('+25.0%');
    expect(formatPercent(-0.0625)).toBe('-6.3%');
  });

  it('escapes pipes in Markdown cells and aligns text tables', () => {
    expect(markdownTable(['a', 'b'], [['x|y', '1\n2']])).toBe('| a | b |\n| --- | --- |\n| x\\|y | 1 2 |');
    expect(textTable(['name', 'v'], [['a', '1'], ['bb', '10']])).toBe('name   v\n----  --\na      1\nbb    10');
  });
});
