import { LitElement } from 'lit';

/** Renders into itself (no shadow root): one page stylesheet (and uPlot's) styles every view. */
export class LightElement extends LitElement {
  protected override createRenderRoot(): HTMLElement {
    return this;
  }
}
