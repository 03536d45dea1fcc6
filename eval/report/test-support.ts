/** Helpers for the report tests: a valid report fixture, a CSV reader and an XML well-formedness check. */
import { LatencyHistogram } from '../metrics/histogram';
import type { Metric, Report } from './schema';

export function fixtureReport(overrides: Partial<Report> = {}): Report {
  const h = new LatencyHistogram().recordAll([10, 20, 30, 40]);
  const s = h.summary();
  return {
    schemaVersion: 1,
    suite: 'latency',
    runId: '20250101T000000-abcdef1',
    startedAt: '2025-01-01T00:00:00.000Z',
    finishedAt: '2025-01-01T00:00:05.000Z',
    meta: {
      gitSha: 'abcdef1234567890abcdef1234567890abcdef12',
      gitDirty: false,
      node: 'v20.0.0',
      platform: 'linux',
      cpu: { model: 'test cpu', cores: 2 },
      memoryGb: 8,
      config: { concurrency: 4 },
      seed: 42,
      quick: false,
      argv: ['memocha-eval', 'latency'],
    },
    metrics: {
      ttft_p50_ms: { value: 42, unit: 'ms', higherIsBetter: false, definition: 'vLLM TTFT' },
      'recall@5': { value: 0.7, unit: 'ratio', higherIsBetter: true, ci: { low: 0.6, high: 0.8, confidence: 0.95 } },
    },
    histograms: { ttft: { unit: 'ms', encoding: h.encode(), summary: s } },
    tables: { sweep: { columns: ['concurrency', 'p50'], rows: [[1, 10.5], [2, null]] } },
    rows: [
      { case: 'c1', ttft_ms: 10 },
      { case: 'c2', ttft_ms: 20, extra: { nested: [1, 2] } },
    ],
    errors: [],
    interrupted: false,
    ...overrides,
  };
}

export function withMetrics(report: Report, metrics: Record<string, Metric>): Report {
  return { ...report, metrics };
}

/** RFC 4180 reader: quoted fields, doubled quotes, embedded commas and newlines. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else if (ch !== '\r') field += ch;
  }
  if (quoted) throw new Error('unterminated quoted field');
  if (field !== '' || row.length > 0) rows.push([...row, field]);
  return rows;
}

const ENTITY = /&(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/y;

/**
 * Checks XML well-formedness as far as our writer can break it: one prolog, balanced and properly
 * nested tags, quoted attributes without raw `<` or `"`, and every `&` starting an entity.
 * Returns the element names in document order.
 */
export function checkXml(xml: string): string[] {
  const names: string[] = [];
  const stack: string[] = [];
  let roots = 0;
  const checkAmp = (s: string) => {
    for (let i = s.indexOf('&'); i !== -1; i = s.indexOf('&', i + 1)) {
      ENTITY.lastIndex = i;
      if (!ENTITY.test(s)) throw new Error(`bare & at ${s.slice(i, i + 20)}`);
    }
  };
  let rest = xml.replace(/^<\?xml [^?]*\?>\s*/, '');
  if (rest === xml) throw new Error('no XML declaration');
  while (rest.length > 0) {
    const lt = rest.indexOf('<');
    if (lt === -1) {
      if (rest.trim() !== '') throw new Error('text after the root element');
      break;
    }
    checkAmp(rest.slice(0, lt));
    const gt = rest.indexOf('>', lt);
    if (gt === -1) throw new Error('unterminated tag');
    const tag = rest.slice(lt + 1, gt);
    rest = rest.slice(gt + 1);
    if (tag.startsWith('/')) {
      const open = stack.pop();
      if (open !== tag.slice(1)) throw new Error(`</${tag.slice(1)}> closes <${open}>`);
      continue;
    }
    const m = /^([A-Za-z_][\w.-]*)((?:\s+[A-Za-z_][\w.-]*="[^"<]*")*)\s*(\/?)$/.exec(tag);
    if (!m) throw new Error(`malformed tag <${tag}>`);
    checkAmp(m[2] ?? '');
    if (stack.length === 0 && ++roots > 1) throw new Error('more than one root element');
    names.push(m[1] as string);
    if (m[3] !== '/') stack.push(m[1] as string);
  }
  if (stack.length > 0) throw new Error(`unclosed <${stack.join('> <')}>`);
  return names;
}
