import { html, nothing } from 'lit';
import { Api, ApiError, type Credentials } from './api';
import type { McChat } from './chat';
import { shortText } from './format';
import { LightElement } from './light';
import type { McSessions } from './sessions';
import type { ChatItem, Session } from './types';
import './chat';
import './memories';
import './message';
import './sessions';

const KEY_STORAGE = 'memocha.apiKey';
const USER_STORAGE = 'memocha.user';

const SHORTCUTS: [string, string][] = [
  ['Enter', 'Send the message'],
  ['Shift + Enter', 'New line'],
  ['Esc', 'Stop the answer (or close a panel)'],
  ['Alt + N', 'New chat'],
  ['Alt + M', 'Show or hide memories'],
  ['Alt + S', 'Search chats'],
  ['Ctrl + /', 'This list'],
];

type Phase = 'checking' | 'signin' | 'ready' | 'offline';

function sessionFromPath(): string | null {
  return /^\/s\/([0-9a-f-]{36})$/i.exec(location.pathname)?.[1] ?? null;
}

/** The page: sign-in, the chat list, the conversation and the memory panel. */
export class MemochaApp extends LightElement {
  static override properties = {
    phase: { state: true },
    authOn: { state: true },
    signinError: { state: true },
    sessionId: { state: true },
    sessionsVersion: { state: true },
    memoriesOpen: { state: true },
    sidebarOpen: { state: true },
    answer: { state: true },
    announcement: { state: true },
    user: { state: true },
  };
  declare phase: Phase;
  declare authOn: boolean;
  declare signinError: string;
  declare sessionId: string | null;
  declare sessionsVersion: number;
  declare memoriesOpen: boolean;
  declare sidebarOpen: boolean;
  declare answer: ChatItem | null;
  declare announcement: string;
  declare user: string;
  private readonly api = new Api(() => this.credentials());
  private readonly titles = new Map<string, string>();

  constructor() {
    super();
    this.phase = 'checking';
    this.authOn = false;
    this.signinError = '';
    this.sessionId = sessionFromPath();
    this.sessionsVersion = 0;
    this.memoriesOpen = false;
    this.sidebarOpen = false;
    this.answer = null;
    this.announcement = '';
    this.user = localStorage.getItem(USER_STORAGE) ?? '';
  }

  private credentials(): Credentials {
    const apiKey = localStorage.getItem(KEY_STORAGE) ?? undefined;
    return apiKey ? { apiKey } : { user: this.user.trim() || undefined };
  }

  override connectedCallback(): void {
    super.connectedCallback();
    document.addEventListener('keydown', this.onKey);
    window.addEventListener('popstate', this.onPop);
    void this.check();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    document.removeEventListener('keydown', this.onKey);
    window.removeEventListener('popstate', this.onPop);
  }

  /** Whether the server wants a key (401 without one) and whether the saved one works. */
  private async check(): Promise<void> {
    const hadKey = !!localStorage.getItem(KEY_STORAGE);
    try {
      await this.api.listSessions({ limit: 1 });
      this.authOn = hadKey;
      this.phase = 'ready';
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        this.authOn = true;
        if (hadKey) {
          localStorage.removeItem(KEY_STORAGE);
          this.signinError = `That key was refused (${err.code}).`;
        }
        this.phase = 'signin';
      } else this.phase = 'offline';
    }
  }

  private async signIn(e: Event): Promise<void> {
    e.preventDefault();
    const key = this.querySelector<HTMLInputElement>('#api-key')?.value.trim() ?? '';
    if (!key) {
      this.signinError = 'Enter an API key (npm run keys -- create <user> makes one).';
      return;
    }
    localStorage.setItem(KEY_STORAGE, key);
    this.signinError = '';
    await this.check();
  }

  private signOut(): void {
    localStorage.removeItem(KEY_STORAGE);
    this.go(null);
    this.phase = 'signin';
  }

  private setUser(e: Event): void {
    e.preventDefault();
    this.user = this.querySelector<HTMLInputElement>('#user-id')?.value.trim() ?? '';
    if (this.user) localStorage.setItem(USER_STORAGE, this.user);
    else localStorage.removeItem(USER_STORAGE);
    this.go(null);
    this.sessionsVersion++;
  }

  private readonly onPop = () => {
    this.sessionId = sessionFromPath();
  };

  private go(id: string | null): void {
    this.sessionId = id;
    this.answer = null;
    const path = id ? `/s/${id}` : '/';
    if (location.pathname !== path) history.pushState(null, '', path);
    this.sidebarOpen = false;
  }

  private get chat(): McChat | null {
    return this.querySelector('mc-chat');
  }

  private readonly onKey = (e: KeyboardEvent) => {
    if (this.phase !== 'ready') return;
    const dialog = this.querySelector<HTMLDialogElement>('#shortcuts');
    if (e.key === 'Escape') {
      if (dialog?.open) return; // the dialog closes itself
      if (this.chat?.stop()) e.preventDefault();
      else if (this.memoriesOpen) this.memoriesOpen = false;
      else if (this.sidebarOpen) this.sidebarOpen = false;
      return;
    }
    if (e.ctrlKey && e.key === '/') {
      e.preventDefault();
      if (dialog?.open) dialog.close();
      else dialog?.showModal();
    } else if (e.altKey && e.code === 'KeyN') {
      e.preventDefault();
      this.newChat();
    } else if (e.altKey && e.code === 'KeyM') {
      e.preventDefault();
      this.memoriesOpen = !this.memoriesOpen;
    } else if (e.altKey && e.code === 'KeyS') {
      e.preventDefault();
      this.sidebarOpen = true;
      void this.updateComplete.then(() => this.querySelector<McSessions>('mc-sessions')?.focusSearch());
    }
  };

  private newChat(): void {
    this.go(null);
    void this.updateComplete.then(() => this.chat?.focusInput());
  }

  private announce(text: string): void {
    // Cleared first, so that the same text twice is announced twice.
    this.announcement = '';
    requestAnimationFrame(() => (this.announcement = text));
  }

  private onAnswerDone(item: ChatItem): void {
    this.announce(`Answer complete: ${shortText(item.content, 300)}`);
    if (this.memoriesOpen) this.answer = item;
  }

  private onSessionCreated(s: Session): void {
    if (s.title) this.titles.set(s.id, s.title);
    this.sessionId = s.id;
    history.pushState(null, '', `/s/${s.id}`);
    this.sessionsVersion++;
  }

  private signinView() {
    return html`<main class="signin">
      <h1>Memocha</h1>
      <form @submit=${(e: Event) => void this.signIn(e)}>
        <p>This server needs an API key. It is kept in this browser’s storage and sent as a Bearer token.</p>
        <label for="api-key">API key</label>
        <input id="api-key" type="password" autocomplete="off" spellcheck="false" aria-describedby=${this.signinError ? 'signin-error' : nothing} />
        ${this.signinError ? html`<p id="signin-error" class="error" role="alert">${this.signinError}</p>` : nothing}
        <button type="submit">Sign in</button>
      </form>
    </main>`;
  }

  private header() {
    return html`<header class="top">
      <button type="button" class="icon menu" aria-label="Chats" aria-expanded=${this.sidebarOpen ? 'true' : 'false'} aria-controls="sidebar" @click=${() => (this.sidebarOpen = !this.sidebarOpen)}>☰</button>
      <h1>Memocha</h1>
      ${this.authOn ? html`<button type="button" class="quiet" @click=${() => this.signOut()}>Sign out</button>` : nothing}
      <button type="button" class="quiet" aria-expanded=${this.memoriesOpen ? 'true' : 'false'} aria-controls="memory-panel" @click=${() => (this.memoriesOpen = !this.memoriesOpen)}>Memories</button>
      <button type="button" class="icon" aria-label="Keyboard shortcuts" title="Keyboard shortcuts (Ctrl+/)" @click=${() => this.querySelector<HTMLDialogElement>('#shortcuts')?.showModal()}>?</button>
    </header>`;
  }

  override render() {
    if (this.phase === 'checking') return html`<main class="signin"><h1>Memocha</h1><p>Connecting…</p></main>`;
    if (this.phase === 'offline')
      return html`<main class="signin"><h1>Memocha</h1><p role="alert">The server could not be reached.</p><button type="button" @click=${() => void this.check()}>Try again</button></main>`;
    if (this.phase === 'signin') return this.signinView();
    return html`
      ${this.header()}
      <div class="layout ${this.memoriesOpen ? 'with-memories' : ''}">
        <aside id="sidebar" class="sidebar ${this.sidebarOpen ? 'open' : ''}">
          ${this.authOn
            ? nothing
            : html`<form class="user" @submit=${(e: Event) => this.setUser(e)}>
                <label for="user-id">User</label>
                <input id="user-id" .value=${this.user} placeholder="default" />
                <button type="submit" class="quiet">Switch</button>
              </form>`}
          <mc-sessions .api=${this.api} .current=${this.sessionId} version=${this.sessionsVersion}
            @select-session=${(e: CustomEvent<string>) => this.go(e.detail)}
            @new-chat=${() => this.newChat()}
            @sessions-loaded=${(e: CustomEvent<Session[]>) => e.detail.forEach((s) => s.title && this.titles.set(s.id, s.title))}
            @session-deleted=${(e: CustomEvent<string>) => e.detail === this.sessionId && this.go(null)}></mc-sessions>
        </aside>
        <main class="main">
          <mc-chat .api=${this.api} .sessionId=${this.sessionId}
            @session-created=${(e: CustomEvent<Session>) => this.onSessionCreated(e.detail)}
            @answer-done=${(e: CustomEvent<ChatItem>) => this.onAnswerDone(e.detail)}
            @answer-failed=${(e: CustomEvent<{ message: string }>) => this.announce(`The answer failed: ${e.detail.message}`)}
            @show-memories=${(e: CustomEvent<ChatItem>) => ((this.answer = e.detail), (this.memoriesOpen = true))}></mc-chat>
        </main>
        ${this.memoriesOpen
          ? html`<aside id="memory-panel" class="memory-panel" aria-label="Memories">
              <button type="button" class="icon close" aria-label="Close memories" @click=${() => (this.memoriesOpen = false)}>✕</button>
              <mc-memories .api=${this.api} .answer=${this.answer} .sessionTitles=${this.titles}></mc-memories>
            </aside>`
          : nothing}
      </div>
      <div class="sr-only" role="status" aria-live="polite" aria-atomic="true">${this.announcement}</div>
      <dialog id="shortcuts" aria-labelledby="shortcuts-h">
        <h2 id="shortcuts-h">Keyboard shortcuts</h2>
        <dl>${SHORTCUTS.map(([k, v]) => html`<dt><kbd>${k}</kbd></dt><dd>${v}</dd>`)}</dl>
        <form method="dialog"><button type="submit">Close</button></form>
      </dialog>
    `;
  }
}
customElements.define('memocha-app', MemochaApp);
