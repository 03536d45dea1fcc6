import { html, nothing, type PropertyValues } from 'lit';
import { unsafeHTML } from 'lit/directives/unsafe-html.js';
import { formatCost, formatMs } from './format';
import { emit, LightElement } from './light';
import { highlightCode, renderMarkdown } from './markdown';
import type { ChatItem } from './types';

/**
 * One bubble. While an answer streams its tokens are appended to a text node (appendToken) without a
 * Lit update; the Markdown is rendered once, when the answer settles.
 */
export class McMessage extends LightElement {
  static override properties = {
    item: { attribute: false },
    last: { type: Boolean },
    copied: { state: true },
  };
  declare item: ChatItem;
  declare last: boolean;
  declare copied: boolean;
  private streamNode: Text | null = null;

  constructor() {
    super();
    this.last = false;
    this.copied = false;
  }

  /** Appends streamed text in place: no re-render of this message, nor of the conversation. */
  appendToken(text: string): void {
    this.item.content += text;
    if (this.streamNode) this.streamNode.appendData(text);
    else this.requestUpdate();
  }

  private get streaming(): boolean {
    return this.item.status === 'streaming' || this.item.status === 'reconnecting';
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('item') && !this.streaming) this.streamNode = null;
  }

  protected override updated(): void {
    if (!this.streaming && this.item.role === 'assistant') highlightCode(this);
  }

  private async copy(): Promise<void> {
    await navigator.clipboard.writeText(this.item.content).catch(() => undefined);
    this.copied = true;
    setTimeout(() => (this.copied = false), 1500);
  }

  private body() {
    const it = this.item;
    if (it.role === 'user') return html`<div class="body plain">${it.content}</div>`;
    if (this.streaming) {
      this.streamNode ??= document.createTextNode(it.content);
      return html`<div class="body plain streaming">${this.streamNode}</div>`;
    }
    if (!it.content) return nothing;
    return html`<div class="body md">${unsafeHTML(renderMarkdown(it.content))}</div>`;
  }

  private stats() {
    const it = this.item;
    if (it.role !== 'assistant' || this.streaming) return nothing;
    const parts = [
      it.model ?? null,
      formatMs(it.ttftMs) && `TTFT ${formatMs(it.ttftMs)}`,
      it.completionTokens != null ? `${it.completionTokens} tokens` : null,
      formatCost(it.costUsd),
    ].filter((p): p is string => !!p);
    return parts.length ? html`<p class="stats">${parts.join(' · ')}</p>` : nothing;
  }

  private status() {
    const it = this.item;
    if (it.status === 'streaming' && !it.content) return html`<p class="status">Thinking…</p>`;
    if (it.status === 'reconnecting') return html`<p class="status">Connection lost — reconnecting…</p>`;
    if (it.status === 'stopped') return html`<p class="status">Stopped</p>`;
    if (it.status === 'error') return html`<p class="status error" role="alert">Error: ${it.error?.message ?? 'the answer failed'}${it.error?.code ? html` <code>${it.error.code}</code>` : nothing}</p>`;
    return nothing;
  }

  private actions() {
    const it = this.item;
    if (it.role !== 'assistant' || this.streaming) return nothing;
    const n = it.memories?.length;
    return html`<div class="actions">
      ${it.content ? html`<button type="button" class="quiet" @click=${() => void this.copy()}>${this.copied ? 'Copied' : 'Copy'}</button>` : nothing}
      ${it.status === 'error' && it.question !== undefined ? html`<button type="button" class="quiet" @click=${() => emit(this, 'retry', it)}>Retry</button>` : nothing}
      ${this.last && it.status !== 'error' && it.question !== undefined ? html`<button type="button" class="quiet" @click=${() => emit(this, 'regenerate', it)}>Regenerate</button>` : nothing}
      <button type="button" class="quiet" @click=${() => emit(this, 'show-memories', it)}>${n === undefined ? 'Memories' : `Memories (${n})`}</button>
    </div>`;
  }

  override render() {
    const it = this.item;
    return html`<article class="msg ${it.role} ${it.status}" aria-label=${it.role === 'user' ? 'You said' : 'Memocha answered'}>
      ${this.body()} ${this.status()} ${this.stats()} ${this.actions()}
    </article>`;
  }
}
customElements.define('mc-message', McMessage);
