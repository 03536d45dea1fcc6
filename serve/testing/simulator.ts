/** Helpers shared by the simulator's HTTP tests (not a test file itself). */
import OpenAI from 'openai';
import type { Simulator } from '../llm/simulator/types';

export const USER = (content: string) => [{ role: 'user' as const, content }];

export function client(sim: Simulator): OpenAI {
  return new OpenAI({ baseURL: sim.url, apiKey: 'x', maxRetries: 0, logLevel: 'off' });
}

export function post(sim: Simulator, body: unknown, init: RequestInit = {}): Promise<Response> {
  return fetch(`${sim.url}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    ...init,
  });
}

/** Poll until `check` returns a value that is not undefined/false. */
export async function waitFor<T>(check: () => T | undefined | false, timeoutMs = 5000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error('waitFor: timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

export interface SseEvent {
  data: string;
  /** performance.now() when the bytes holding this event were read. */
  at: number;
}

/** Read an SSE body event by event, timestamping each on arrival. */
export async function readSse(res: Response, onEvent?: (e: SseEvent, all: SseEvent[]) => boolean | void): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const at = performance.now();
    buffer += decoder.decode(value, { stream: true });
    let sep: number;
    while ((sep = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, sep);
      buffer = buffer.slice(sep + 2);
      for (const line of block.split('\n')) {
        if (!line.startsWith('data: ')) continue;
        const event = { data: line.slice(6), at };
        events.push(event);
        if (onEvent?.(event, events) === true) {
          await reader.cancel();
          return events;
        }
      }
    }
  }
  return events;
}
