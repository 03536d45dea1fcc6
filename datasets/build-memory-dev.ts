/**
 * Generates datasets/memory-dev.jsonl and its CI subset datasets/memory-gate.jsonl from the
 * templates in datasets/memory-build/ with fixed seeds, so the output is byte-for-byte
 * reproducible. Run: `npx tsx datasets/build-memory-dev.ts` (prints the counts for README.md).
 * datasets/datasets.test.ts checks that the committed files equal a fresh build.
 */
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { MemochaConversationLine, MemochaMemoryHeader } from '../eval/datasets/memocha-jsonl';
import { USER_NAMES } from './memory-build/chat';
import { buildConversation } from './memory-build/compose';
import { createRand } from './memory-build/rand';

export const MEMORY_DEV_SEED = 20240601;
export const MEMORY_DEV_USERS = 24;
/** memory-gate.jsonl holds the first users of memory-dev.jsonl */
export const MEMORY_GATE_USERS = 6;

const SOURCE = 'Written by the Memocha team: generated from original templates by datasets/build-memory-dev.ts';

export function buildConversations(): MemochaConversationLine[] {
  return Array.from({ length: MEMORY_DEV_USERS }, (_, i) => {
    const name = USER_NAMES[i];
    if (name === undefined) throw new Error('not enough user names');
    return buildConversation(createRand(MEMORY_DEV_SEED + i * 7919), i, name);
  });
}

function toJsonl(header: MemochaMemoryHeader, conversations: readonly MemochaConversationLine[]): string {
  return [header, ...conversations].map((x) => JSON.stringify(x)).join('\n') + '\n';
}

export function buildMemoryFiles(): { dev: string; gate: string } {
  const conversations = buildConversations();
  const header = (id: string, description: string): MemochaMemoryHeader => ({
    format: 'memocha-memory',
    schemaVersion: 1,
    id,
    source: SOURCE,
    license: 'Apache-2.0',
    description,
  });
  return {
    dev: toJsonl(header('memory-dev', `${MEMORY_DEV_USERS} users with 2–4 dated sessions: stable facts, facts that change later, distractors, no-answer questions`), conversations),
    gate: toJsonl(header('memory-gate', `the first ${MEMORY_GATE_USERS} users of memory-dev, for CI gates`), conversations.slice(0, MEMORY_GATE_USERS)),
  };
}

/** One README table row: file | users | sessions | turns | questions | per category. */
export function summaryRow(file: string, conversations: readonly MemochaConversationLine[]): string {
  const questions = conversations.flatMap((c) => c.questions);
  const count = (cat: string): number => questions.filter((q) => q.category === cat).length;
  const cells = [
    `\`${file}\``,
    conversations.length,
    conversations.reduce((n, c) => n + c.sessions.length, 0),
    conversations.reduce((n, c) => n + c.sessions.reduce((m, s) => m + s.turns.length, 0), 0),
    questions.length,
    ...['single-hop', 'multi-session', 'temporal-update', 'no-answer'].map(count),
  ];
  return `| ${cells.join(' | ')} |`;
}

async function main(): Promise<void> {
  const dir = fileURLToPath(new URL('./', import.meta.url));
  const files = buildMemoryFiles();
  await writeFile(`${dir}memory-dev.jsonl`, files.dev);
  await writeFile(`${dir}memory-gate.jsonl`, files.gate);
  const conversations = buildConversations();
  console.log(summaryRow('memory-dev.jsonl', conversations));
  console.log(summaryRow('memory-gate.jsonl', conversations.slice(0, MEMORY_GATE_USERS)));
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
