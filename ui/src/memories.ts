import { html, nothing, type PropertyValues } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import { ApiError, type Api } from './api';
import { formatDate, shortText } from './format';
import { LightElement } from './light';
import type { ChatItem, ListedMemory, UsedMemory } from './types';

/** What a memory row shows: search hits have a score, listed memories their chat's title. */
type Shown = Pick<UsedMemory, 'id' | 'text' | 'sessionId' | 'createdAt'> & { score?: number; sessionTitle?: string | null };
const PAGE = 20;

/** The memories one answer used (from its meta event), and the memory manager: list, search, delete one, forget all. */
export class McMemories extends LightElement {
  static override properties = {
    api: { attribute: false },
    answer: { attribute: false },
    sessionTitles: { attribute: false },
    results: { state: true },
    listed: { state: true },
    nextCursor: { state: true },
    loading: { state: true },
    query: { state: true },
    message: { state: true },
    deleted: { state: true },
  };
  declare api: Api;
  declare answer: ChatItem | null;
  declare sessionTitles: Map<string, string>;
  /** Search hits; null while the list is shown. */
  declare results: UsedMemory[] | null;
  /** The list's pages loaded so far, newest first; null before the first. */
  declare listed: ListedMemory[] | null;
  declare nextCursor: string | null;
  declare loading: boolean;
  declare query: string;
  declare message: string;
  /** Ids deleted here: struck from every list, the answer's too. */
  declare deleted: Set<string>;

  constructor() {
    super();
    this.answer = null;
    this.sessionTitles = new Map();
    this.results = null;
    this.listed = null;
    this.nextCursor = null;
    this.loading = false;
    this.query = '';
    this.message = '';
    this.deleted = new Set();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('api') && this.api && this.listed === null) void this.loadMore();
  }

  /** The list's next page (its first when none is loaded). */
  private async loadMore(): Promise<void> {
    if (this.loading) return;
    this.loading = true;
    try {
      const page = await this.api.listMemories({ cursor: this.nextCursor, limit: PAGE });
      this.listed = [...(this.listed ?? []), ...page.items];
      this.nextCursor = page.nextCursor;
    } catch (err) {
      this.message = err instanceof ApiError ? err.message : 'Loading memories failed (network error)';
    } finally {
      this.loading = false;
    }
  }

  private async search(e: Event): Promise<void> {
    e.preventDefault();
    const q = this.query.trim();
    if (!q) {
      this.showAll();
      return;
    }
    try {
      this.results = (await this.api.searchMemories(q, 50)).items;
      this.message = `${this.results.length} found`;
    } catch (err) {
      this.message = err instanceof ApiError ? err.message : 'Search failed (network error)';
    }
  }

  private async removeMemory(m: Shown): Promise<void> {
    try {
      await this.api.deleteMemory(m.id);
      this.message = 'Memory deleted';
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 404)) {
        this.message = err instanceof ApiError ? err.message : 'Delete failed (network error)';
        return;
      }
      this.message = 'That memory was already gone';
    }
    this.deleted = new Set([...this.deleted, m.id]);
  }

  private async forgetAll(): Promise<void> {
    if (!window.confirm('Forget every memory? Chats stay; Memocha will not recall them in new chats.')) return;
    try {
      const r = await this.api.forgetAll();
      this.message = `Forgot ${r.deleted} memories`;
      this.results = null;
      this.listed = [];
      this.nextCursor = null;
      this.deleted = new Set([...this.deleted, ...(this.answer?.memories ?? []).map((m) => m.id)]);
    } catch (err) {
      this.message = err instanceof ApiError ? err.message : 'Forget failed (network error)';
    }
  }

  private showAll(): void {
    this.query = '';
    this.results = null;
    this.message = '';
  }

  private chatName(m: Shown): string {
    if (!m.sessionId) return 'no chat';
    return m.sessionTitle ?? this.sessionTitles.get(m.sessionId) ?? `chat ${m.sessionId.slice(0, 8)}`;
  }

  private list(items: Shown[], label: string) {
    const live = items.filter((m) => !this.deleted.has(m.id));
    if (live.length === 0) return html`<p class="empty">None.</p>`;
    return html`<ul class="memories" aria-label=${label}>
      ${repeat(live, (m) => m.id, (m) => html`<li>
        <p class="text" title=${m.text}>${m.text}</p>
        <p class="meta">${m.score === undefined ? '' : `score ${m.score.toFixed(2)} · `}${this.chatName(m)} · ${formatDate(m.createdAt)}</p>
        <button type="button" class="quiet" aria-label="Delete memory: ${shortText(m.text, 60)}" @click=${() => void this.removeMemory(m)}>Delete</button>
      </li>`)}
    </ul>`;
  }

  private used() {
    const a = this.answer;
    if (!a) return html`<p class="empty">Choose “Memories” under an answer to see what it recalled.</p>`;
    if (a.memories === undefined) return html`<p class="empty">Not known for answers loaded from history: the server sends them only while answering.</p>`;
    if (a.memoryStatus === 'disabled') return html`<p class="empty">Long-term memory is off on this server.</p>`;
    if (a.memoryStatus === 'unavailable') return html`<p class="empty">Memory was unavailable for this answer.</p>`;
    return this.list(a.memories, 'Memories used for this answer');
  }

  override render() {
    return html`<section aria-labelledby="mem-used-h">
        <h2 id="mem-used-h">Used for this answer</h2>
        ${this.used()}
      </section>
      <section aria-labelledby="mem-manage-h">
        <h2 id="mem-manage-h">Your memories</h2>
        <form class="mem-search" role="search" @submit=${(e: Event) => void this.search(e)}>
          <label class="sr-only" for="memory-search">Search memories</label>
          <input id="memory-search" type="search" placeholder="Search memories" .value=${this.query} @input=${(e: InputEvent) => (this.query = (e.target as HTMLInputElement).value)} />
          <button type="submit">Search</button>
        </form>
        <p class="mem-message" role="status">${this.message}</p>
        ${this.results
          ? html`${this.list(this.results, 'Memories found')}
              <button type="button" class="quiet" @click=${() => this.showAll()}>Show all memories</button>`
          : this.listed === null
            ? html`<p class="empty">${this.loading ? 'Loading…' : nothing}</p>`
            : html`${this.list(this.listed, 'All memories')}
                ${this.nextCursor
                  ? html`<button type="button" class="quiet" ?disabled=${this.loading} @click=${() => void this.loadMore()}>Load more</button>`
                  : nothing}`}
        <button type="button" class="danger" @click=${() => void this.forgetAll()}>Forget all memories</button>
      </section>`;
  }
}
customElements.define('mc-memories', McMemories);
