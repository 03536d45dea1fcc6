/** <memocha-dashboard>: loads the run list, follows the hash route and loads the reports a view needs. */
import { html, nothing } from 'lit';
import { reportDirs } from './compare-view';
import { API_KEY_STORAGE, pickSource, SourceError, type IndexEntry, type Report, type ReportSource } from './data';
import { LightElement } from './light';
import { href, parseRoute, type Route } from './routes';
import './chart';
import './compare-view';
import './run-view';
import './runs-view';
import './trends-view';
import './vtable';

export class MemochaDashboard extends LightElement {
  static override properties = {
    runs: { state: true },
    route: { state: true },
    reports: { state: true },
    listError: { state: true },
    reportError: { state: true },
    loading: { state: true },
  };

  declare runs: IndexEntry[];
  declare route: Route;
  declare reports: Report[];
  /** the run list could not be read (e.g. 401): every view needs it */
  declare listError: SourceError | undefined;
  /** the reports of the current route could not be read */
  declare reportError: SourceError | undefined;
  declare loading: boolean;
  private source: ReportSource;
  private loadSeq = 0;
  private readonly onHash = () => this.navigate();

  constructor() {
    super();
    this.runs = [];
    this.reports = [];
    this.route = { view: 'runs' };
    this.loading = true;
    this.source = pickSource(document);
  }

  override connectedCallback(): void {
    super.connectedCallback();
    addEventListener('hashchange', this.onHash);
    void this.start();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    removeEventListener('hashchange', this.onHash);
  }

  private async start() {
    try {
      this.runs = await this.source.listRuns();
      this.listError = undefined;
    } catch (err) {
      this.listError = asSourceError(err);
    }
    await this.navigate();
  }

  private async navigate() {
    const route = parseRoute(location.hash);
    const seq = ++this.loadSeq;
    const dirs = route.view === 'run' ? [route.dir] : route.view === 'compare' ? route.dirs : [];
    this.route = route;
    this.reports = [];
    this.reportError = undefined;
    this.loading = dirs.length > 0;
    if (dirs.length === 0) return;
    try {
      const reports = await Promise.all(dirs.map((d) => this.source.report(d)));
      reports.forEach((r, i) => reportDirs.set(r, dirs[i]!));
      if (seq !== this.loadSeq) return;
      this.reports = reports;
    } catch (err) {
      if (seq !== this.loadSeq) return;
      this.reportError = asSourceError(err);
    } finally {
      if (seq === this.loadSeq) this.loading = false;
    }
  }

  private saveKey(e: Event) {
    e.preventDefault();
    const input = (e.target as HTMLFormElement).elements.namedItem('key') as HTMLInputElement;
    localStorage.setItem(API_KEY_STORAGE, input.value.trim());
    void this.start();
  }

  private renderError() {
    const e = this.listError ?? this.reportError;
    if (!e) return nothing;
    return html`<div class="error" role="alert">
      <p>${e.message}${e.code ? html` (<code>${e.code}</code>)` : nothing}</p>
      ${e.status === 401 && this.source.kind === 'api'
        ? html`<form @submit=${this.saveKey}><label>API key <input name="key" type="password" autocomplete="off" /></label> <button type="submit">Use key</button></form>`
        : nothing}
    </div>`;
  }

  override render() {
    const r = this.route;
    return html`<header class="top">
        <h1><a href="#/">Memocha eval dashboard</a></h1>
        <nav aria-label="Views"><a href="#/" aria-current=${r.view === 'runs' ? 'page' : nothing}>Runs</a>
          <a href=${href({ view: 'trends' })} aria-current=${r.view === 'trends' ? 'page' : nothing}>Trends</a></nav>
        ${this.source.kind === 'static' ? html`<span class="tag">static export</span>` : nothing}
      </header>
      <main>
        ${this.renderError()}
        ${this.loading ? html`<p role="status">Loading…</p>` : this.view()}
      </main>`;
  }

  private view() {
    const r = this.route;
    if (this.listError) return nothing;
    if (r.view === 'runs') return html`<md-runs .runs=${this.runs}></md-runs>`;
    if (r.view === 'trends') return html`<md-trends .runs=${this.runs} .suite=${r.suite ?? ''} .metric=${r.metric ?? ''} .baseline=${r.baseline ?? ''}></md-trends>`;
    if (this.reportError) return nothing;
    if (r.view === 'run') return html`<md-run .report=${this.reports[0]}></md-run>`;
    return html`<md-compare .reports=${this.reports}></md-compare>`;
  }
}
customElements.define('memocha-dashboard', MemochaDashboard);

function asSourceError(err: unknown): SourceError {
  return err instanceof SourceError ? err : new SourceError(err instanceof Error ? err.message : String(err));
}
