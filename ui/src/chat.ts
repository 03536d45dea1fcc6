import { html, nothing, type PropertyValues } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import { ApiError, type Api } from './api';
import { shortText } from './format';
import { emit, LightElement } from './light';
import type { McMessage } from './message';
import { paintStats, tokenPainted } from './perf';
import type { ChatItem, MessageRow, Session } from './types';

let nextLocalId = 0;
const localId = () => `local-${++nextLocalId}`;

const STATUS: Record<string, ChatItem['status']> = { complete: 'complete', partial: 'stopped', interrupted: 'stopped', pending: 'stopped', error: 'error' };

/** Rows of the API → bubbles; an answer remembers the question before it (regenerate, retry). */
export function itemsFromRows(rows: MessageRow[]): ChatItem[] {
  const items: ChatItem[] = [];
  let question: string | undefined;
  for (const r of rows) {
    if (r.role === 'user') {
      question = r.content;
      items.push({ id: r.id, role: 'user', content: r.content, status: 'complete' });
    } else if (r.role === 'assistant') {
      const status = STATUS[r.status] ?? 'complete';
      items.push({
        id: r.id,
        role: 'assistant',
        content: r.content,
        status,
        question,
        model: r.model,
        ttftMs: r.ttftMs,
        promptTokens: r.promptTokens,
        completionTokens: r.completionTokens,
        ...(status === 'error' ? { error: { code: r.errorCode ?? 'error', message: r.errorMessage ?? 'The answer failed' } } : {}),
      });
    }
  }
  return items;
}

const isAbort = (err: unknown) => err instanceof DOMException && err.name === 'AbortError';

/** The conversation of one session and the message box: sending, streaming, stop, regenerate, retry, reconnect. */
export class McChat extends LightElement {
  static override properties = {
    api: { attribute: false },
    sessionId: { attribute: false },
    items: { state: true },
    busy: { state: true },
    notice: { state: true },
    loading: { state: true },
  };
  declare api: Api;
  declare sessionId: string | null;
  declare items: ChatItem[];
  declare busy: boolean;
  declare notice: string;
  declare loading: boolean;
  private controller: AbortController | null = null;
  /** A session this element created itself: already shown, not to be reloaded. */
  private ownSession: string | null = null;
  private loadAbort: AbortController | null = null;

  constructor() {
    super();
    this.sessionId = null;
    this.items = [];
    this.busy = false;
    this.notice = '';
    this.loading = false;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('sessionId') && (this.sessionId === null || this.sessionId !== this.ownSession)) {
      this.stop();
      this.ownSession = null;
      this.items = [];
      this.notice = '';
      if (this.sessionId) void this.load(this.sessionId);
    }
  }

  protected override updated(): void {
    paintStats.conversationRenders++;
    this.scrollToEnd(false); // a new bubble, a settled answer or an error stays in view
  }

  private async load(id: string): Promise<void> {
    this.loadAbort?.abort();
    const ctl = (this.loadAbort = new AbortController());
    this.loading = true;
    try {
      const rows = await this.api.messages(id, ctl.signal);
      if (this.sessionId === id) this.items = itemsFromRows(rows);
    } catch (err) {
      if (!isAbort(err)) this.notice = err instanceof ApiError ? `Could not load this chat: ${err.message}` : 'Could not load this chat (network error)';
    } finally {
      if (this.loadAbort === ctl) this.loading = false;
    }
    this.scrollToEnd(true);
  }

  focusInput(): void {
    this.querySelector<HTMLTextAreaElement>('textarea')?.focus();
  }

  /** Stops the answer being streamed; its partial text stays (the server stores it as partial). */
  stop(): boolean {
    if (!this.controller) return false;
    this.controller.abort();
    return true;
  }

  private patch(id: string, p: Partial<ChatItem>): ChatItem | undefined {
    let out: ChatItem | undefined;
    this.items = this.items.map((it) => (it.id === id ? (out = { ...it, ...p }) : it));
    return out;
  }

  private async submit(): Promise<void> {
    const box = this.querySelector<HTMLTextAreaElement>('textarea');
    const text = box?.value ?? '';
    if (!text.trim() || this.busy) return;
    if (box) box.value = '';
    await this.ask(text);
  }

  private async ask(text: string): Promise<void> {
    this.busy = true;
    this.notice = '';
    const ctl = (this.controller = new AbortController());
    const user: ChatItem = { id: localId(), role: 'user', content: text, status: 'complete' };
    const answer: ChatItem = { id: localId(), role: 'assistant', content: '', status: 'streaming', question: text };
    this.items = [...this.items, user, answer];
    let sessionId = this.sessionId;
    try {
      if (!sessionId) {
        const session: Session = await this.api.createSession(shortText(text, 60));
        sessionId = this.ownSession = session.id;
        this.sessionId = session.id;
        emit(this, 'session-created', session);
      }
      await this.updateComplete;
      this.scrollToEnd(true);
      const el = () => this.querySelector<McMessage>(`mc-message[data-id="${answer.id}"]`);
      let settled = false;
      await this.api.send(
        sessionId,
        text,
        {
          meta: (m) => void this.patch(answer.id, { model: m.model, memories: m.memories, memoryStatus: m.memory }),
          token: (t) => {
            const arrived = performance.now();
            const target = el();
            if (target) target.appendToken(t);
            else answer.content += t;
            tokenPainted(arrived, () => this.scrollToEnd(false));
          },
          done: (d) => {
            settled = true;
            const done = this.patch(answer.id, {
              status: 'complete',
              content: d.message.content,
              model: d.message.model,
              ttftMs: d.timings.ttftMs ?? d.message.ttftMs,
              promptTokens: d.usage.promptTokens,
              completionTokens: d.usage.completionTokens,
              costUsd: d.costUsd ?? null,
            });
            if (done) emit(this, 'answer-done', done);
          },
          error: (e) => {
            settled = true;
            this.patch(answer.id, { status: 'error', error: { code: e.code, message: e.message } });
            emit(this, 'answer-failed', e);
          },
        },
        ctl.signal,
      );
      // The stream ended without done or error: the connection was cut.
      if (!settled) await this.reconnect(sessionId, answer.id);
    } catch (err) {
      if (isAbort(err) && ctl.signal.aborted) this.patch(answer.id, { status: 'stopped' });
      else if (err instanceof ApiError) {
        this.patch(answer.id, { status: 'error', error: { code: err.code, message: err.message } });
        emit(this, 'answer-failed', err);
      } else if (sessionId) await this.reconnect(sessionId, answer.id);
      else this.patch(answer.id, { status: 'error', error: { code: 'network_error', message: 'The server could not be reached' } });
    } finally {
      if (this.controller === ctl) this.controller = null;
      this.busy = false;
    }
  }

  /**
   * The stream broke (network loss, server restart): wait for the network and reload the session,
   * which holds what the server kept of the answer.
   */
  private async reconnect(sessionId: string, answerId: string): Promise<void> {
    this.patch(answerId, { status: 'reconnecting' });
    this.notice = 'Connection lost. Reconnecting…';
    for (let attempt = 0; this.sessionId === sessionId; attempt++) {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          window.removeEventListener('online', done);
          resolve();
        };
        const timer = setTimeout(done, Math.min(500 * 2 ** attempt, 10_000));
        window.addEventListener('online', done);
      });
      try {
        const rows = await this.api.messages(sessionId);
        if (this.sessionId !== sessionId) return;
        this.items = itemsFromRows(rows);
        this.notice = 'Reconnected. The answer shown is what the server kept.';
        return;
      } catch {
        // still offline: try again
      }
    }
  }

  private regenerate(item: ChatItem): void {
    if (item.question !== undefined && !this.busy) void this.ask(item.question);
  }

  private retry(item: ChatItem): void {
    if (item.question === undefined || this.busy) return;
    // The failed pair leaves the view (the server keeps it in the history).
    const i = this.items.indexOf(this.items.find((x) => x.id === item.id)!);
    this.items = this.items.filter((_, j) => j !== i && !(j === i - 1 && this.items[j]?.role === 'user'));
    void this.ask(item.question);
  }

  private scrollToEnd(force: boolean): void {
    const log = this.querySelector<HTMLElement>('.log');
    if (!log) return;
    if (force || log.scrollHeight - log.scrollTop - log.clientHeight < 120) log.scrollTop = log.scrollHeight;
  }

  private onKey(e: KeyboardEvent): void {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      void this.submit();
    }
  }

  override render() {
    const lastAnswer = this.items.findLast((i) => i.role === 'assistant');
    return html`
      <div class="log" role="log" aria-label="Conversation" aria-live="off" tabindex="0"
        @regenerate=${(e: CustomEvent<ChatItem>) => this.regenerate(e.detail)}
        @retry=${(e: CustomEvent<ChatItem>) => this.retry(e.detail)}>
        ${this.loading ? html`<p class="empty">Loading…</p>` : nothing}
        ${!this.loading && this.items.length === 0 ? html`<p class="empty">Ask anything. Memocha remembers what you told it in earlier chats.</p>` : nothing}
        ${repeat(this.items, (i) => i.id, (i) => html`<mc-message data-id=${i.id} .item=${i} ?last=${i === lastAnswer}></mc-message>`)}
      </div>
      ${this.notice ? html`<p class="notice">${this.notice}</p>` : nothing}
      <form class="composer" @submit=${(e: Event) => (e.preventDefault(), void this.submit())}>
        <label class="sr-only" for="composer-input">Message</label>
        <textarea id="composer-input" rows="2" placeholder="Message Memocha (Enter sends, Shift+Enter for a new line)" @keydown=${(e: KeyboardEvent) => this.onKey(e)}></textarea>
        ${this.busy
          ? html`<button type="button" class="stop" @click=${() => this.stop()}>Stop</button>`
          : html`<button type="submit" class="send">Send</button>`}
      </form>
    `;
  }
}
customElements.define('mc-chat', McChat);
