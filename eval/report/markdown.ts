/** summary.md: run metadata, metrics with CIs, gate checks, histogram percentiles, tables, errors. */
import { formatNumber, markdownTable } from './format';
import type { Report } from './schema';

const MAX_ERRORS = 20;
const MAX_CONFIG_CHARS = 4000;

export function toMarkdown(report: Report): string {
  const out: string[] = [`# ${report.suite} — ${report.runId}`, ''];
  if (report.interrupted) out.push('> **Interrupted**: the run was stopped before it finished; the numbers cover what ran.', '');
  out.push(...runSection(report), ...metricsSection(report), ...gatesSection(report));
  out.push(...histogramSection(report), ...tablesSection(report), ...errorsSection(report));
  return `${out.join('\n').trimEnd()}\n`;
}

function runSection(r: Report): string[] {
  const m = r.meta;
  const seconds = (Date.parse(r.finishedAt) - Date.parse(r.startedAt)) / 1000;
  const rows: [string, string][] = [
    ['git', `${m.gitSha}${m.gitDirty ? ' (dirty)' : ''}`],
    ['started', r.startedAt],
    ['duration', `${formatNumber(seconds)} s`],
    ['quick', String(m.quick)],
    ['seed', String(m.seed)],
  ];
  if (m.target !== undefined) rows.push(['target', m.target]);
  if (m.provider) rows.push(['provider', `${m.provider.kind} ${m.provider.model}${m.provider.baseUrl ? ` @ ${m.provider.baseUrl}` : ''}`]);
  if (m.dataset) rows.push(['dataset', `${m.dataset.id}${m.dataset.path ? ` (${m.dataset.path})` : ''} sha256 ${m.dataset.contentHash}`]);
  rows.push(
    ['node', m.node],
    ['platform', m.platform],
    ['cpu', `${m.cpu.model} × ${m.cpu.cores}`],
    ['memory', `${m.memoryGb} GB`],
  );
  if (m.hostname !== undefined) rows.push(['host', m.hostname]);
  rows.push(['command', m.argv.join(' ')]);
  const out = ['## Run', '', markdownTable(['', ''], rows), ''];
  const config = JSON.stringify(m.config, null, 2);
  if (config !== '{}') {
    const shown = config.length > MAX_CONFIG_CHARS ? `${config.slice(0, MAX_CONFIG_CHARS)}\n… (truncated; see report.json)` : config;
    out.push('Config:', '', '```json', shown, '```', '');
  }
  return out;
}

function metricsSection(r: Report): string[] {
  const entries = Object.entries(r.metrics);
  if (entries.length === 0) return [];
  const rows = entries.map(([name, m]) => [
    name,
    formatNumber(m.value),
    m.unit,
    m.ci ? `[${formatNumber(m.ci.low)}, ${formatNumber(m.ci.high)}] (${Math.round(m.ci.confidence * 100)}%)` : '',
    m.n !== undefined ? String(m.n) : '',
    m.higherIsBetter === undefined ? '' : m.higherIsBetter ? '↑' : '↓',
    m.definition ?? '',
  ]);
  return ['## Metrics', '', markdownTable(['metric', 'value', 'unit', 'CI', 'n', 'better', 'definition'], rows), ''];
}

function gatesSection(r: Report): string[] {
  if (!r.gates) return [];
  const rows = r.gates.checks.map((c) => [
    c.skipped ? 'skipped' : c.passed ? 'pass' : '**FAIL**',
    c.metric,
    c.kind,
    formatNumber(c.value),
    formatNumber(c.limit),
    c.baselineValue === undefined ? '' : formatNumber(c.baselineValue),
    c.message,
  ]);
  return [
    `## Gates: ${r.gates.passed ? 'passed' : 'FAILED'}`,
    '',
    markdownTable(['result', 'metric', 'kind', 'value', 'limit', 'baseline', 'message'], rows),
    '',
  ];
}

function histogramSection(r: Report): string[] {
  const entries = Object.entries(r.histograms);
  if (entries.length === 0) return [];
  const rows = entries.map(([name, h]) => {
    const s = h.summary;
    return [name, String(s.count), ...[s.min, s.mean, s.stddev, s.p50, s.p90, s.p95, s.p99, s.p999, s.max].map(formatNumber)];
  });
  const columns = ['histogram (ms)', 'count', 'min', 'mean', 'stddev', 'p50', 'p90', 'p95', 'p99', 'p99.9', 'max'];
  return ['## Latency percentiles', '', 'HdrHistogram, 3 significant digits.', '', markdownTable(columns, rows), ''];
}

function tablesSection(r: Report): string[] {
  const out: string[] = [];
  for (const [name, t] of Object.entries(r.tables ?? {})) {
    const rows = t.rows.map((row) => row.map((c) => (typeof c === 'number' ? formatNumber(c) : (c ?? '—'))));
    out.push(`## ${name}`, '', markdownTable(t.columns, rows), '');
  }
  return out;
}

function errorsSection(r: Report): string[] {
  const caseErrors = r.rows.filter((row) => row.error !== undefined);
  const total = r.errors.length + caseErrors.length;
  if (total === 0) return [];
  const lines = [
    ...r.errors.map((e) => `- ${e.case !== undefined ? `\`${e.case}\`: ` : ''}${e.message.replace(/\r?\n/g, ' ')}`),
    ...caseErrors.map((row) => `- \`${row.case}\`: ${(row.error ?? '').replace(/\r?\n/g, ' ')}`),
  ];
  const shown = lines.slice(0, MAX_ERRORS);
  if (lines.length > MAX_ERRORS) shown.push(`- … and ${lines.length - MAX_ERRORS} more (see report.json / rows.csv)`);
  return [`## Errors (${total})`, '', ...shown, ''];
}
