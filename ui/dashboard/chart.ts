/** <md-chart>: one uPlot chart; a canvas, so the element carries a text description for assistive technology. */
import { html } from 'lit';
import uPlot from 'uplot';
import { LightElement } from './light';

export class MdChart extends LightElement {
  static override properties = {
    options: { attribute: false },
    data: { attribute: false },
    label: { type: String },
  };

  declare options: Omit<uPlot.Options, 'width' | 'height'> | undefined;
  declare data: uPlot.AlignedData | undefined;
  declare label: string;
  private plot: uPlot | undefined;
  private resize: ResizeObserver | undefined;

  constructor() {
    super();
    this.label = '';
  }

  override render() {
    return html`<div class="chart" role="img" aria-label=${this.label}></div>`;
  }

  override updated(changed: Map<string, unknown>): void {
    if (!changed.has('options') && !changed.has('data')) return;
    this.plot?.destroy();
    this.plot = undefined;
    const target = this.querySelector<HTMLDivElement>('.chart');
    if (!target || !this.options || !this.data) return;
    const width = Math.max(240, target.clientWidth || 480);
    this.plot = new uPlot({ ...this.options, width, height: 220 }, this.data, target);
    this.resize ??= new ResizeObserver(() => {
      const w = Math.max(240, target.clientWidth);
      if (this.plot && Math.abs(this.plot.width - w) > 4) this.plot.setSize({ width: w, height: 220 });
    });
    this.resize.observe(target);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.resize?.disconnect();
    this.resize = undefined;
    this.plot?.destroy();
    this.plot = undefined;
  }
}
customElements.define('md-chart', MdChart);
