import { LitElement } from 'lit';

/**
 * A Lit element rendering into the light DOM: one page stylesheet (with the code-highlighting theme)
 * styles every component, and the answer HTML needs no per-component copy of it.
 */
export class LightElement extends LitElement {
  protected override createRenderRoot(): HTMLElement {
    return this;
  }
}

export function emit<T>(from: HTMLElement, type: string, detail?: T): void {
  from.dispatchEvent(new CustomEvent<T>(type, { detail, bubbles: true, composed: true }));
}
