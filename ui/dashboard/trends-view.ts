/** <md-trends>: one headline metric over the runs of a suite (oldest → newest, one point per run), the baseline marked. */
import { html, nothing } from 'lit';
import type uPlot from 'uplot';
import { formatNumber, formatPercent } from '../../eval/report/format';
import type { IndexEntry } from './data';
import { LightElement } from './light';
import { href, sha7 } from './routes';

export interface TrendPoint {
  run: IndexEntry;
  value: number | null;
}

/** The suite's runs oldest first with the metric's value (null where the run lacks it). */
export function trendPoints(runs: readonly IndexEntry[], suite: string, metric: string): TrendPoint[] {
  return runs
    .filter((r) => r.suite === suite)
    .sort((a, b) => a.startedAt.localeCompare(b.startedAt))
    .map((run) => ({ run, value: run.headline[metric]?.value ?? null }));
}

/** The named baseline, else a run under baselines/, else the oldest run. */
export function pickBaseline(points: readonly TrendPoint[], dir?: string): TrendPoint | undefined {
  return points.find((p) => p.run.dir === dir) ?? points.find((p) => p.run.dir.startsWith('baselines/')) ?? points[0];
}

export class MdTrends extends LightElement {
  static override properties = {
    runs: { attribute: false },
    suite: { type: String },
    metric: { type: String },
    baseline: { type: String },
  };

  declare runs: IndexEntry[];
  declare suite: string;
  declare metric: string;
  declare baseline: string;

  constructor() {
    super();
    this.runs = [];
    this.suite = '';
    this.metric = '';
    this.baseline = '';
  }

  private go(patch: { suite?: string; metric?: string; baseline?: string }) {
    const next = { suite: this.suite, metric: this.metric, baseline: this.baseline, ...patch };
    location.hash = href({ view: 'trends', ...next });
  }

  override render() {
    const suites = [...new Set(this.runs.map((r) => r.suite))].sort();
    const suite = suites.includes(this.suite) ? this.suite : (suites[0] ?? '');
    const metrics = [...new Set(this.runs.filter((r) => r.suite === suite).flatMap((r) => Object.keys(r.headline)))];
    const metric = metrics.includes(this.metric) ? this.metric : (metrics[0] ?? '');
    const points = suite && metric ? trendPoints(this.runs, suite, metric) : [];
    const base = pickBaseline(points, this.baseline);
    const unit = points.find((p) => p.run.headline[metric])?.run.headline[metric]?.unit ?? '';
    const labels = points.map((p) => sha7(p.run.gitSha));
    const options: Omit<uPlot.Options, 'width' | 'height'> = {
      legend: { show: false },
      scales: { x: { time: false, range: () => [-0.3, Math.max(1, points.length - 1) + 0.3] } },
      axes: [
        { label: 'run (commit)', stroke: '#333', splits: () => points.map((_p, i) => i), values: (_u, splits) => splits.map((i) => labels[i] ?? '') },
        { label: unit, stroke: '#333' },
      ],
      series: [
        {},
        { label: metric, stroke: '#1f5fbf', width: 2, points: { show: true, size: 7 } },
        { label: 'baseline', stroke: '#555', dash: [6, 4], points: { show: false } },
      ],
    };
    const data: uPlot.AlignedData = [points.map((_p, i) => i), points.map((p) => p.value), points.map(() => base?.value ?? null)];
    return html`<section aria-labelledby="trends-h">
      <h2 id="trends-h">Trends</h2>
      <div class="toolbar">
        <label>Suite <select @change=${(e: Event) => this.go({ suite: (e.target as HTMLSelectElement).value, metric: '', baseline: '' })}>
          ${suites.map((s) => html`<option value=${s} ?selected=${s === suite}>${s}</option>`)}</select></label>
        <label>Metric <select @change=${(e: Event) => this.go({ metric: (e.target as HTMLSelectElement).value })}>
          ${metrics.map((m) => html`<option value=${m} ?selected=${m === metric}>${m}</option>`)}</select></label>
        <label>Baseline <select @change=${(e: Event) => this.go({ baseline: (e.target as HTMLSelectElement).value })}>
          ${points.map((p) => html`<option value=${p.run.dir} ?selected=${p === base}>${p.run.runId}</option>`)}</select></label>
      </div>
      ${points.length === 0
        ? html`<p class="empty">No runs with headline metrics.</p>`
        : html`<md-chart .options=${options} .data=${data}
            label=${`${metric} (${unit}) over ${points.length} runs of ${suite}: ${points.map((p) => `${sha7(p.run.gitSha)} ${formatNumber(p.value)}`).join(', ')}; baseline ${base ? formatNumber(base.value) : 'none'}`}></md-chart>
          <table class="trend">
            <thead><tr><th scope="col">Run</th><th scope="col">Commit</th><th scope="col">${metric}</th><th scope="col">vs baseline</th></tr></thead>
            <tbody>${points.map((p) => {
              const rel = base?.value && p.value !== null ? (p.value - base.value) / Math.abs(base.value) : null;
              return html`<tr class=${p === base ? 'baseline' : nothing}>
                <td><a href=${href({ view: 'run', dir: p.run.dir })}>${p.run.runId}</a>${p === base ? html` <span class="tag">baseline</span>` : nothing}</td>
                <td><code>${sha7(p.run.gitSha)}</code></td><td class="num">${formatNumber(p.value)} ${unit}</td>
                <td class="num">${p === base ? '' : formatPercent(rel)}</td></tr>`;
            })}</tbody>
          </table>`}
    </section>`;
  }
}
customElements.define('md-trends', MdTrends);
