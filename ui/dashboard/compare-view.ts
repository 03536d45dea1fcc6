/**
 * <md-compare>: runs side by side against the first (the baseline). Metric deltas and their
 * significance come from eval/report/compare.ts, the code behind `memocha-eval compare`, so the
 * verdicts are the CLI's. Case rows are aligned by case id.
 */
import { html, nothing } from 'lit';
import { compareReports, significanceText, verdict, type Comparison, type MetricComparison } from '../../eval/report/compare';
import { formatNumber, formatPercent } from '../../eval/report/format';
import type { Report } from './data';
import { LightElement } from './light';
import { href } from './routes';
import { sortRows } from './rows';
import type { Column } from './vtable';

export interface AlignedCase {
  case: string;
  values: (number | null)[];
  /** candidate − baseline, per candidate */
  deltas: (number | null)[];
  /** the largest worsening over the candidates (> 0 worse, < 0 better), null without a direction */
  worst: number | null;
}

/** Numeric row fields every report has, the metrics' rowFields first. */
export function sharedNumericFields(reports: readonly Report[]): string[] {
  const per = reports.map((r) => {
    const s = new Set<string>();
    for (const row of r.rows) for (const k in row) if (typeof row[k] === 'number') s.add(k);
    return s;
  });
  const all = per.reduce((a, b) => new Set([...a].filter((k) => b.has(k))));
  const preferred = Object.entries(reports[0]?.metrics ?? {}).map(([n, m]) => m.rowField ?? n);
  return [...new Set([...preferred.filter((k) => all.has(k)), ...all])];
}

/** higherIsBetter of the metric that is the mean of `field`, if any says. */
export function fieldDirection(reports: readonly Report[], field: string): boolean | undefined {
  for (const r of reports) for (const [n, m] of Object.entries(r.metrics)) if ((m.rowField ?? n) === field && m.higherIsBetter !== undefined) return m.higherIsBetter;
  return undefined;
}

/** One line per case id (baseline order, then cases only the candidates have). */
export function alignCases(reports: readonly Report[], field: string): AlignedCase[] {
  const hib = fieldDirection(reports, field);
  const maps = reports.map((r) => new Map(r.rows.map((row) => [row.case, row])));
  const ids: string[] = [];
  const seen = new Set<string>();
  for (const r of reports) {
    for (const row of r.rows) {
      if (seen.has(row.case)) continue;
      seen.add(row.case);
      ids.push(row.case);
    }
  }
  return ids.map((id) => {
    const values = maps.map((m) => {
      const row = m.get(id);
      const v = row && row.error === undefined ? row[field] : undefined;
      return typeof v === 'number' && Number.isFinite(v) ? v : null;
    });
    const base = values[0] ?? null;
    const deltas = values.slice(1).map((v) => (v === null || base === null ? null : v - base));
    let worst: number | null = null;
    if (hib !== undefined) for (const d of deltas) if (d !== null) worst = Math.max(worst ?? -Infinity, hib ? -d : d);
    return { case: id, values, deltas, worst };
  });
}

/** Regressions first, the largest relative worsening first; then the rest by name. */
export function byLargestRegression(c: Comparison): MetricComparison[] {
  const badness = (m: MetricComparison) => {
    if (m.relDiff === null || m.higherIsBetter === undefined) return 0;
    const r = m.higherIsBetter ? -m.relDiff : m.relDiff;
    return Number.isFinite(r) ? r : Math.sign(r) * 1e12;
  };
  return [...c.metrics].sort((a, b) => Number(b.regression) - Number(a.regression) || badness(b) - badness(a) || a.metric.localeCompare(b.metric));
}

function tone(m: MetricComparison): string {
  if (m.regression) return 'worse';
  if (m.direction === 'better' && m.significance.significant !== false) return 'better';
  return '';
}

export class MdCompare extends LightElement {
  static override properties = {
    reports: { attribute: false },
    field: { state: true },
    sortCases: { state: true },
  };

  declare reports: Report[];
  declare field: string;
  declare sortCases: boolean;

  constructor() {
    super();
    this.reports = [];
    this.field = '';
    this.sortCases = true;
  }

  override render() {
    const [base, ...others] = this.reports;
    if (!base || others.length === 0) return html`<p>Pick two or more runs on the <a href="#/">runs page</a> to compare.</p>`;
    const comparisons = others.map((o) => compareReports(base, o));
    // one metric order for every candidate: by the first comparison's largest regression
    const order = byLargestRegression(comparisons[0]!).map((m) => m.metric);
    const fields = sharedNumericFields(this.reports);
    const field = fields.includes(this.field) ? this.field : (fields[0] ?? '');
    const aligned = field ? alignCases(this.reports, field) : [];
    const cases = this.sortCases ? sortRows(aligned, (c) => c.worst, true) : aligned;
    const regressions = comparisons.map((c) => c.metrics.filter((m) => m.regression).length);
    const columns: Column<AlignedCase>[] = [
      { key: 'case', label: 'case', minRem: 10, grow: 2, cell: (c) => c.case },
      ...this.reports.map((r, i) => ({ key: `v${i}`, label: i === 0 ? `baseline ${r.runId}` : r.runId, numeric: true, cell: (c: AlignedCase) => formatNumber(c.values[i]) })),
      ...others.map((r, i) => ({
        key: `d${i}`,
        label: `Δ ${r.runId}`,
        numeric: true,
        cell: (c: AlignedCase) => formatNumber(c.deltas[i]),
        tone: (c: AlignedCase) => caseTone(c.deltas[i] ?? null, fieldDirection(this.reports, field)),
      })),
    ];
    return html`<section aria-labelledby="cmp-h">
      <h2 id="cmp-h">Compare ${this.reports.length} runs</h2>
      <p class="meta">Baseline <a href=${href({ view: 'run', dir: dirOf(base) })}>${base.suite}/${base.runId}</a>; every difference is candidate − baseline, tested as
        <code>memocha-eval compare</code> does (Welch t on per-case values, else CI overlap; alpha ${comparisons[0]!.alpha}).
        ${others.map((o, i) => html`<br />${o.suite}/${o.runId}: <b class=${regressions[i] ? 'worse' : 'better'}>${regressions[i]} regression${regressions[i] === 1 ? '' : 's'}</b>`)}</p>
      <table class="compare">
        <caption class="sr-only">Metrics, largest regression first</caption>
        <thead>
          <tr><th scope="col">Metric</th><th scope="col">Unit</th><th scope="col">Baseline</th>
            ${others.map((o) => html`<th scope="col">${o.runId}</th><th scope="col">Δ</th><th scope="col">Δ %</th><th scope="col">Significance</th><th scope="col">Verdict</th>`)}</tr>
        </thead>
        <tbody>
          ${order.map((name) => {
            const ms = comparisons.map((c) => c.metrics.find((m) => m.metric === name));
            const first = ms[0]!;
            return html`<tr data-metric=${name}>
              <th scope="row">${name}</th><td>${first.unit}</td><td class="num">${formatNumber(first.a)}</td>
              ${ms.map((m) => (m ? html`<td class="num">${formatNumber(m.b)}</td><td class="num ${tone(m)}">${formatNumber(m.diff)}</td>
                <td class="num ${tone(m)}">${formatPercent(m.relDiff)}</td><td>${significanceText(m.significance)}</td>
                <td class="verdict ${tone(m)}">${verdict(m)}</td>` : html`<td></td><td></td><td></td><td></td><td></td>`))}
            </tr>`;
          })}
        </tbody>
      </table>

      <h3>Cases aligned by id</h3>
      ${fields.length === 0 ? html`<p>The runs share no numeric per-case field.</p>` : html`<div class="toolbar">
        <label>Field
          <select @change=${(e: Event) => (this.field = (e.target as HTMLSelectElement).value)}>
            ${fields.map((f) => html`<option value=${f} ?selected=${f === field}>${f}</option>`)}
          </select></label>
        <label><input type="checkbox" .checked=${this.sortCases} @change=${(e: Event) => (this.sortCases = (e.target as HTMLInputElement).checked)} /> largest regression first</label>
        <span class="count" role="status">${aligned.length} cases${fieldDirection(this.reports, field) === undefined ? ' (no direction known for this field: not sorted by regression)' : ''}</span>
      </div>
      <md-vtable class="rows cases" .columns=${columns} .items=${cases} label="Cases aligned by id"></md-vtable>`}
      ${nothing}
    </section>`;
  }
}
customElements.define('md-compare', MdCompare);

function caseTone(delta: number | null, higherIsBetter: boolean | undefined): string | undefined {
  if (delta === null || delta === 0 || higherIsBetter === undefined) return undefined;
  return delta > 0 === higherIsBetter ? 'better' : 'worse';
}

/** Reports loaded by dir carry it here (set by the app), for links back to the run. */
export const reportDirs = new WeakMap<Report, string>();
function dirOf(r: Report): string {
  return reportDirs.get(r) ?? `${r.suite}/${r.runId}`;
}
