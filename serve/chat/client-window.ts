/**
 * The client's history with the ids of the stored messages it repeats: the turn's memory retrieval drops
 * memories whose every source message is in the window by id (serve/memory/ranking.ts), which a client's
 * message, having no id, would never match. A client message takes the id of the latest not yet taken stored
 * message of the same role and text; an edited one matches nothing and keeps no id. Pure.
 */
import type { MessageRow } from '../db/repos';
import type { ChatMessage } from '../llm/types';

export type ClientMessage = ChatMessage & { id?: string };

export function withStoredIds(client: readonly ChatMessage[], stored: readonly Pick<MessageRow, 'id' | 'role' | 'content'>[]): ClientMessage[] {
  const byText = new Map<string, string[]>();
  for (const m of stored) {
    const k = `${m.role}\u0000${m.content.trim()}`;
    const ids = byText.get(k);
    if (ids) ids.push(m.id);
    else byText.set(k, [m.id]);
  }
  const out: ClientMessage[] = new Array<ClientMessage>(client.length);
  // Newest first, so a repeated message takes the newest stored copy.
  for (let i = client.length - 1; i >= 0; i--) {
    const m = client[i] as ChatMessage;
    const id = byText.get(`${m.role}\u0000${m.content.trim()}`)?.pop();
    out[i] = id === undefined ? { role: m.role, content: m.content } : { role: m.role, content: m.content, id };
  }
  return out;
}
