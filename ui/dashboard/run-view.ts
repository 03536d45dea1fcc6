/** <md-run>: one run: headline metrics with CIs, gates, latency charts from its HdrHistograms, tables, and every case row. */
import { html, nothing } from 'lit';
import uPlot from 'uplot';
import { formatNumber } from '../../eval/report/format';
import type { Report } from './data';
import { histogramView, ninesOf, type HistogramView } from './hist';
import { LightElement } from './light';
import { cellText, queryRows, rowColumns, type Row, type RowQuery } from './rows';
import { gateBadge } from './runs-view';
import { sha7 } from './routes';
import type { Column } from './vtable';

export class MdRun extends LightElement {
  static override properties = {
    report: { attribute: false },
    query: { state: true },
  };

  declare report: Report | undefined;
  declare query: RowQuery;
  private columnsCache: { rows: readonly Row[]; cols: string[] } | undefined;

  constructor() {
    super();
    this.query = { search: '', status: 'all', sortBy: '', descending: false };
  }

  private set(patch: Partial<RowQuery>) {
    this.query = { ...this.query, ...patch };
  }

  private columns(r: Report): string[] {
    if (this.columnsCache?.rows !== r.rows) this.columnsCache = { rows: r.rows, cols: rowColumns(r.rows) };
    return this.columnsCache.cols;
  }

  override render() {
    const r = this.report;
    if (!r) return nothing;
    const metrics = Object.entries(r.metrics);
    const flagged = metrics.filter(([, m]) => m.headline);
    const headline = flagged.length > 0 ? flagged : metrics.slice(0, 8);
    const cols = this.columns(r);
    const rows = queryRows(r.rows, this.query);
    const columns: Column<Row>[] = cols.map((c) => ({
      key: c,
      label: c,
      ...(c === 'case' || c === 'error' ? { minRem: 10, grow: 2 } : {}),
      numeric: typeof r.rows.find((x) => x[c] !== undefined)?.[c] === 'number',
      cell: (row) => cellText(row[c]),
      tone: c === 'error' ? (row) => (row.error !== undefined ? 'worse' : undefined) : undefined,
    }));
    return html`<section aria-labelledby="run-h">
      <h2 id="run-h">${r.suite} / ${r.runId}</h2>
      <p class="meta">Started ${r.startedAt} · commit <code>${sha7(r.meta.gitSha)}</code>${r.meta.gitDirty ? ' (dirty)' : ''} ·
        ${r.meta.quick ? 'quick · ' : ''}seed ${r.meta.seed} · ${r.meta.cpu.cores} cores · gates ${gateBadge(r.gates?.passed)}
        ${r.interrupted ? html`· <span class="tag bad">interrupted</span>` : nothing}</p>

      <h3>Headline metrics</h3>
      <div class="cards">
        ${headline.map(([name, m]) => html`<div class="card">
          <div class="card-name">${name}</div>
          <div class="card-value">${formatNumber(m.value)} <span class="unit">${m.unit}</span></div>
          <div class="card-ci">${m.ci ? `${Math.round(m.ci.confidence * 100)}% CI ${formatNumber(m.ci.low)} – ${formatNumber(m.ci.high)}` : 'no CI'}${m.n !== undefined ? ` · n = ${m.n}` : ''}</div>
          ${gateOf(r, name)}
        </div>`)}
      </div>

      <details>
        <summary>All ${metrics.length} metrics</summary>
        <table class="metrics">
          <thead><tr><th scope="col">Metric</th><th scope="col">Value</th><th scope="col">Unit</th><th scope="col">CI</th><th scope="col">n</th><th scope="col">Better</th><th scope="col">Definition</th></tr></thead>
          <tbody>${metrics.map(([name, m]) => html`<tr>
            <td>${name}</td><td class="num">${formatNumber(m.value)}</td><td>${m.unit}</td>
            <td>${m.ci ? `${formatNumber(m.ci.low)} – ${formatNumber(m.ci.high)}` : ''}</td><td class="num">${m.n ?? ''}</td>
            <td>${m.higherIsBetter === undefined ? '' : m.higherIsBetter ? 'higher' : 'lower'}</td><td>${m.definition ?? ''}</td></tr>`)}</tbody>
        </table>
      </details>

      ${r.gates ? html`<h3>Gates</h3>
        <table class="gates">
          <thead><tr><th scope="col">Metric</th><th scope="col">Kind</th><th scope="col">Value</th><th scope="col">Limit</th><th scope="col">Result</th><th scope="col">Message</th></tr></thead>
          <tbody>${r.gates.checks.map((c) => html`<tr class=${c.passed ? 'better' : 'worse'}>
            <td>${c.metric}</td><td>${c.kind}</td><td class="num">${formatNumber(c.value)}</td><td class="num">${formatNumber(c.limit)}</td>
            <td>${c.skipped ? 'skipped' : c.passed ? 'passed' : 'FAILED'}</td><td>${c.message}</td></tr>`)}</tbody>
        </table>` : nothing}

      ${Object.keys(r.histograms).length > 0 ? html`<h3>Latency</h3>${Object.entries(r.histograms).map(([name, h]) => html`<md-hist .name=${name} .histogram=${h}></md-hist>`)}` : nothing}

      ${Object.entries(r.tables ?? {}).map(([name, t]) => html`<h3>${name}</h3>
        <table class="plain"><thead><tr>${t.columns.map((c) => html`<th scope="col">${c}</th>`)}</tr></thead>
        <tbody>${t.rows.map((row) => html`<tr>${row.map((c) => html`<td class=${typeof c === 'number' ? 'num' : nothing}>${cellText(c)}</td>`)}</tr>`)}</tbody></table>`)}

      ${r.errors.length > 0 ? html`<h3>Errors (${r.errors.length})</h3><ul class="errors">${r.errors.slice(0, 50).map((e) => html`<li>${e.case ? `${e.case}: ` : ''}${e.message}</li>`)}</ul>` : nothing}

      <h3 id="rows-h">Cases</h3>
      <div class="toolbar">
        <label>Search <input type="search" .value=${this.query.search} @input=${(e: Event) => this.set({ search: (e.target as HTMLInputElement).value })} /></label>
        <label>Show
          <select @change=${(e: Event) => this.set({ status: (e.target as HTMLSelectElement).value as RowQuery['status'] })}>
            <option value="all">all</option><option value="ok">without error</option><option value="error">errors only</option>
          </select></label>
        <label>Sort by
          <select @change=${(e: Event) => this.set({ sortBy: (e.target as HTMLSelectElement).value })}>
            <option value="">as recorded</option>${cols.map((c) => html`<option value=${c}>${c}</option>`)}
          </select></label>
        <label><input type="checkbox" @change=${(e: Event) => this.set({ descending: (e.target as HTMLInputElement).checked })} /> descending</label>
        <span class="count" role="status">${rows.length} of ${r.rows.length} cases</span>
      </div>
      <md-vtable class="rows" .columns=${columns} .items=${rows} label="Cases"></md-vtable>
    </section>`;
  }
}
customElements.define('md-run', MdRun);

function gateOf(r: Report, metric: string) {
  const checks = r.gates?.checks.filter((c) => c.metric === metric && !c.skipped) ?? [];
  if (checks.length === 0) return nothing;
  const passed = checks.every((c) => c.passed);
  return html`<div class="card-gate">${gateBadge(passed)} ${checks.map((c) => c.message).join('; ')}</div>`;
}

const PCT_LABEL = (nines: number) => `${Number((100 * (1 - 10 ** -nines)).toPrecision(6))}%`;

/** <md-hist>: a stored histogram as a distribution and a percentile curve (decoding is async: DecompressionStream). */
export class MdHist extends LightElement {
  static override properties = {
    name: { type: String },
    histogram: { attribute: false },
    view: { state: true },
    failure: { state: true },
  };

  declare name: string;
  declare histogram: Report['histograms'][string] | undefined;
  declare view: HistogramView | undefined;
  declare failure: string | undefined;

  constructor() {
    super();
    this.name = '';
  }

  override willUpdate(changed: Map<string, unknown>): void {
    if (!changed.has('histogram') || !this.histogram) return;
    const h = this.histogram;
    this.view = undefined;
    this.failure = undefined;
    histogramView(h.encoding).then(
      (v) => this.histogram === h && (this.view = v),
      (err: unknown) => this.histogram === h && (this.failure = (err as Error).message),
    );
  }

  override render() {
    const h = this.histogram;
    if (!h) return nothing;
    const name = this.name;
    const s = h.summary;
    if (this.failure) return html`<p class="worse">${name}: cannot decode the histogram (${this.failure})</p>`;
    const summary = `${name}: n = ${s.count}, p50 ${formatNumber(s.p50)} ms, p90 ${formatNumber(s.p90)} ms, p99 ${formatNumber(s.p99)} ms, p99.9 ${formatNumber(s.p999)} ms, max ${formatNumber(s.max)} ms`;
    const view = this.view;
    if (!view) return html`<figure class="hist"><figcaption>${summary}</figcaption></figure>`;
    if (view.count === 0) return html`<p>${name}: no values</p>`;
    const log = view.logBins;
    const dist: [Omit<uPlot.Options, 'width' | 'height'>, uPlot.AlignedData] = [
      {
        legend: { show: false },
        scales: {
          x: { time: false, distr: log ? 3 : 1, range: () => [view.bins[0]!.lo, view.bins[view.bins.length - 1]!.hi] },
          y: { range: (_u, _min, max) => [0, max * 1.05 || 1] },
        },
        axes: [{ label: 'ms', stroke: '#333' }, { label: 'cases', stroke: '#333' }],
        series: [{}, { label: 'count', fill: 'rgba(31,95,191,0.35)', stroke: '#1f5fbf', paths: uPlot.paths.bars?.({ size: [0.9, 60] }), points: { show: false } }],
      },
      [view.bins.map((b) => (log ? Math.sqrt(b.lo * b.hi) : (b.lo + b.hi) / 2)), view.bins.map((b) => b.count)],
    ];
    const curve: [Omit<uPlot.Options, 'width' | 'height'>, uPlot.AlignedData] = [
      {
        legend: { show: false },
        scales: { x: { time: false } },
        axes: [
          { label: 'percentile', stroke: '#333', splits: (u) => integerSplits(u.scales.x?.max ?? 3), values: (_u, splits) => splits.map(PCT_LABEL) },
          { label: 'ms', stroke: '#333' },
        ],
        series: [{}, { label: name, stroke: '#b4441c', width: 2 }],
      },
      [view.percentiles.map((p) => ninesOf(p.q)), view.percentiles.map((p) => p.ms)],
    ];
    return html`<figure class="hist">
      <figcaption>${summary}</figcaption>
      <div class="pair">
        <md-chart .options=${dist[0]} .data=${dist[1]} label=${`Distribution of ${name} in ms; ${summary}`}></md-chart>
        <md-chart .options=${curve[0]} .data=${curve[1]} label=${`Percentile curve of ${name}; ${summary}`}></md-chart>
      </div>
    </figure>`;
  }
}
customElements.define('md-hist', MdHist);

function integerSplits(max: number): number[] {
  const out: number[] = [];
  for (let i = 0; i <= Math.ceil(max); i++) out.push(i);
  return out;
}

