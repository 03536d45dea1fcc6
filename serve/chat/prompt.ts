import type { MessageRow } from '../db/repos';
import type { ChatMessage } from '../llm/types';
import type { UsedMemory } from './memory-seam';

/** System prompt, then memories (dated, with their session), then the recent window, then the new user message. */
export function buildMessages(p: {
  systemPrompt: string;
  memories: UsedMemory[];
  history: Pick<MessageRow, 'role' | 'content' | 'status'>[];
  userContent: string;
}): ChatMessage[] {
  const messages: ChatMessage[] = [{ role: 'system', content: p.systemPrompt }];
  if (p.memories.length > 0) {
    const lines = p.memories.map((m) => `- [${m.createdAt.slice(0, 10)}${m.sessionId ? `, session ${m.sessionId}` : ''}] ${m.text}`);
    messages.push({
      role: 'system',
      content: `Relevant memories from earlier conversations with this user (newest facts win when they disagree):\n${lines.join('\n')}`,
    });
  }
  for (const m of p.history) {
    // A failed answer with no text would only confuse the model.
    if (m.role === 'system' || (m.role === 'assistant' && m.content === '')) continue;
    messages.push({ role: m.role, content: m.content });
  }
  messages.push({ role: 'user', content: p.userContent });
  return messages;
}
