import { html, nothing, type PropertyValues } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import { ApiError, type Api } from './api';
import { formatDate } from './format';
import { emit, LightElement } from './light';
import type { Session } from './types';

const title = (s: Session) => s.title || 'Untitled chat';

/** The chat list: newest first, paginated, searched by title; new, rename, delete. */
export class McSessions extends LightElement {
  static override properties = {
    api: { attribute: false },
    current: { attribute: false },
    version: { type: Number },
    items: { state: true },
    cursor: { state: true },
    query: { state: true },
    editing: { state: true },
    error: { state: true },
  };
  declare api: Api;
  declare current: string | null;
  /** Bumped by the app when the list changed elsewhere (a chat was created). */
  declare version: number;
  declare items: Session[];
  declare cursor: string | null;
  declare query: string;
  declare editing: string | null;
  declare error: string;
  private searchTimer = 0;
  private loads = 0;

  constructor() {
    super();
    this.current = null;
    this.version = 0;
    this.items = [];
    this.cursor = null;
    this.query = '';
    this.editing = null;
    this.error = '';
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('version') || changed.has('api')) void this.load(false);
  }

  private async load(more: boolean): Promise<void> {
    const n = ++this.loads;
    try {
      const page = await this.api.listSessions({ query: this.query.trim() || undefined, cursor: more ? this.cursor : null });
      if (n !== this.loads) return; // a newer search answered first
      this.items = more ? [...this.items, ...page.items] : page.items;
      emit(this, 'sessions-loaded', page.items);
      this.cursor = page.nextCursor;
      this.error = '';
    } catch (err) {
      this.error = err instanceof ApiError ? err.message : 'Could not load the chats (network error)';
    }
  }

  private onSearch(e: InputEvent): void {
    this.query = (e.target as HTMLInputElement).value;
    clearTimeout(this.searchTimer);
    this.searchTimer = window.setTimeout(() => void this.load(false), 200);
  }

  focusSearch(): void {
    this.querySelector<HTMLInputElement>('input[type=search]')?.focus();
  }

  private async rename(s: Session, value: string): Promise<void> {
    this.editing = null;
    if (value.trim() === (s.title ?? '')) return;
    try {
      const updated = await this.api.renameSession(s.id, value);
      this.items = this.items.map((x) => (x.id === s.id ? updated : x));
    } catch (err) {
      this.error = err instanceof ApiError ? err.message : 'Rename failed (network error)';
    }
  }

  private async removeSession(s: Session): Promise<void> {
    if (!window.confirm(`Delete “${title(s)}” and its memories?`)) return;
    try {
      await this.api.deleteSession(s.id);
      this.items = this.items.filter((x) => x.id !== s.id);
      emit(this, 'session-deleted', s.id);
    } catch (err) {
      this.error = err instanceof ApiError ? err.message : 'Delete failed (network error)';
    }
  }

  private row(s: Session) {
    if (this.editing === s.id) {
      const save = (e: Event) => {
        e.preventDefault();
        void this.rename(s, (this.querySelector<HTMLInputElement>(`#rename-${s.id}`)?.value ?? ''));
      };
      return html`<li><form class="rename" @submit=${save}>
        <label class="sr-only" for="rename-${s.id}">New title for ${title(s)}</label>
        <input id="rename-${s.id}" .value=${s.title ?? ''} maxlength="200" @keydown=${(e: KeyboardEvent) => e.key === 'Escape' && (e.stopPropagation(), (this.editing = null))} />
        <button type="submit">Save</button>
      </form></li>`;
    }
    return html`<li class=${s.id === this.current ? 'current' : ''}>
      <button type="button" class="open" aria-current=${s.id === this.current ? 'page' : 'false'} @click=${() => emit(this, 'select-session', s.id)}>
        <span class="title">${title(s)}</span><span class="date">${formatDate(s.createdAt)}</span>
      </button>
      <button type="button" class="icon" aria-label="Rename ${title(s)}" title="Rename" @click=${() => this.startEdit(s.id)}>✎</button>
      <button type="button" class="icon" aria-label="Delete ${title(s)}" title="Delete" @click=${() => void this.removeSession(s)}>✕</button>
    </li>`;
  }

  private async startEdit(id: string): Promise<void> {
    this.editing = id;
    await this.updateComplete;
    this.querySelector<HTMLInputElement>(`#rename-${id}`)?.select();
  }

  override render() {
    return html`<nav aria-label="Chats">
      <button type="button" class="new" @click=${() => emit(this, 'new-chat')}>New chat</button>
      <label class="sr-only" for="session-search">Search chats by title</label>
      <input id="session-search" type="search" placeholder="Search chats" .value=${this.query} @input=${(e: InputEvent) => this.onSearch(e)} />
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
      <ul class="sessions">${repeat(this.items, (s) => s.id, (s) => this.row(s))}</ul>
      ${this.items.length === 0 && !this.error ? html`<p class="empty">${this.query ? 'No chat has that in its title.' : 'No chats yet.'}</p>` : nothing}
      ${this.cursor ? html`<button type="button" class="more" @click=${() => void this.load(true)}>Load more</button>` : nothing}
    </nav>`;
  }
}
customElements.define('mc-sessions', McSessions);
