/**
 * <md-vtable>: a table of many rows, virtualised (@lit-labs/virtualizer renders only the rows in
 * view), with ARIA table roles since the rows are divs laid out on one CSS grid template.
 */
import { html, nothing, type TemplateResult } from 'lit';
import { flow } from '@lit-labs/virtualizer/layouts/flow.js';
import { virtualize } from '@lit-labs/virtualizer/virtualize.js';
import { LightElement } from './light';

export interface Column<T> {
  key: string;
  label: string;
  numeric?: boolean;
  /** the column's minimum width in rem (default 6) and its share of the rest (default 1) */
  minRem?: number;
  grow?: number;
  cell(row: T): string | TemplateResult;
  /** a CSS class for the cell (e.g. 'worse', 'better') */
  tone?(row: T): string | undefined;
}

export class MdVTable<T = unknown> extends LightElement {
  static override properties = {
    columns: { attribute: false },
    items: { attribute: false },
    label: { type: String },
  };

  declare columns: Column<T>[];
  declare items: T[];
  declare label: string;

  constructor() {
    super();
    this.columns = [];
    this.items = [];
    this.label = '';
  }

  override render() {
    const template = this.columns.map((c) => `minmax(${c.minRem ?? 6}rem, ${c.grow ?? 1}fr)`).join(' ');
    const style = `grid-template-columns: ${template}`;
    // wide tables scroll sideways as a whole (header and body together): both get the same minimum width
    const minWidth = `min-width: ${this.columns.reduce((w, c) => w + (c.minRem ?? 6) + 0.5, 1)}rem`;
    return html`<div class="vtable" role="table" aria-label=${this.label} aria-rowcount=${this.items.length + 1}>
      <div role="rowgroup" class="vhead" style=${minWidth}>
        <div role="row" class="vrow" style=${style} aria-rowindex="1">
          ${this.columns.map((c) => html`<div role="columnheader" class=${c.numeric ? 'num' : nothing} title=${c.label}>${c.label}</div>`)}
        </div>
      </div>
      <div role="rowgroup" class="vbody" style=${minWidth} tabindex="0" aria-label=${`${this.label}: ${this.items.length} rows, scrollable`}>
        ${virtualize({
          items: this.items,
          scroller: true,
          // given, not the default: the default layout is a dynamic import (a second file, which a static export cannot load)
          layout: flow(),
          renderItem: (row: T, i: number) =>
            html`<div role="row" class="vrow" style=${style} aria-rowindex=${i + 2}>
              ${this.columns.map((c) => {
                const tone = c.tone?.(row);
                return html`<div role="cell" class=${[c.numeric ? 'num' : '', tone ?? ''].join(' ').trim() || nothing}>${c.cell(row)}</div>`;
              })}
            </div>`,
        })}
      </div>
    </div>`;
  }
}
customElements.define('md-vtable', MdVTable);
