/** <md-runs>: every run of reports/index.json, newest first; pick runs to open, compare or follow over time. */
import { html, nothing } from 'lit';
import { formatNumber } from '../../eval/report/format';
import type { IndexEntry } from './data';
import { LightElement } from './light';
import { href, sha7 } from './routes';

export class MdRuns extends LightElement {
  static override properties = {
    runs: { attribute: false },
    suite: { state: true },
    selected: { state: true },
  };

  declare runs: IndexEntry[];
  declare suite: string;
  declare selected: string[];

  constructor() {
    super();
    this.runs = [];
    this.suite = '';
    this.selected = [];
  }

  private toggle(dir: string, on: boolean) {
    this.selected = on ? [...this.selected.filter((d) => d !== dir), dir] : this.selected.filter((d) => d !== dir);
  }

  override render() {
    const suites = [...new Set(this.runs.map((r) => r.suite))].sort();
    const shown = this.suite ? this.runs.filter((r) => r.suite === this.suite) : this.runs;
    const canCompare = this.selected.length >= 2;
    return html`<section aria-labelledby="runs-h">
      <h2 id="runs-h">Runs</h2>
      <div class="toolbar">
        <label>Suite
          <select @change=${(e: Event) => (this.suite = (e.target as HTMLSelectElement).value)}>
            <option value="">all (${this.runs.length})</option>
            ${suites.map((s) => html`<option value=${s} ?selected=${s === this.suite}>${s}</option>`)}
          </select>
        </label>
        <a class="button ${canCompare ? '' : 'disabled'}" id="compare-selected" aria-disabled=${canCompare ? 'false' : 'true'}
          href=${canCompare ? href({ view: 'compare', dirs: this.selected }) : nothing}>Compare selected (${this.selected.length})</a>
        ${this.suite ? html`<a class="button" href=${href({ view: 'trends', suite: this.suite })}>Trends of ${this.suite}</a>` : nothing}
      </div>
      ${shown.length === 0
        ? html`<p class="empty">No runs yet: run a suite (<code>npm run eval:latency -- --quick</code>) and reload.</p>`
        : html`<table class="runs">
            <caption class="sr-only">Runs, newest first; tick two or more to compare (the first ticked is the baseline)</caption>
            <thead><tr><th scope="col">Compare</th><th scope="col">Suite</th><th scope="col">Run</th><th scope="col">Started</th><th scope="col">Commit</th><th scope="col">Gates</th><th scope="col">Headline</th></tr></thead>
            <tbody>
              ${shown.map((r) => html`<tr>
                <td><input type="checkbox" aria-label=${`compare ${r.suite}/${r.runId}`} .checked=${this.selected.includes(r.dir)}
                  @change=${(e: Event) => this.toggle(r.dir, (e.target as HTMLInputElement).checked)} /></td>
                <td>${r.suite}</td>
                <td><a class="run-link" href=${href({ view: 'run', dir: r.dir })}>${r.runId}</a>${r.quick ? html` <span class="tag">quick</span>` : nothing}${r.interrupted ? html` <span class="tag bad">interrupted</span>` : nothing}</td>
                <td>${r.startedAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z')}</td>
                <td><code>${sha7(r.gitSha)}</code></td>
                <td>${gateBadge(r.gatesPassed)}</td>
                <td class="headline">${Object.entries(r.headline).map(([k, m]) => html`<span class="kv">${k} <b>${formatNumber(m.value)}</b> ${m.unit}</span> `)}</td>
              </tr>`)}
            </tbody>
          </table>`}
    </section>`;
  }
}
customElements.define('md-runs', MdRuns);

export function gateBadge(passed: boolean | undefined) {
  if (passed === undefined) return html`<span class="tag">no gates</span>`;
  return passed ? html`<span class="tag good">passed</span>` : html`<span class="tag bad">failed</span>`;
}
