/**
 * Judge prompts live in files (eval/judge/prompts/<name>.md), so that a change to a prompt is a
 * visible, versioned diff and every report can name the exact prompt it used by content hash.
 *
 * File format: a front-matter block, then the system part, then the user part:
 *
 *   ---
 *   id: rubric-relevance
 *   version: 1
 *   ---
 *   <system prompt>
 *   === user ===
 *   <user template with {{placeholders}}>
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROMPTS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'prompts');

export interface JudgePrompt {
  id: string;
  version: number;
  /** sha256 of the file's bytes, first 16 hex digits */
  hash: string;
  path: string;
  system: string;
  user: string;
  /** the {{names}} the user template needs */
  variables: string[];
}

export class PromptFileError extends Error {
  constructor(path: string, problem: string) {
    super(`judge prompt ${path}: ${problem}`);
    this.name = 'PromptFileError';
  }
}

const cache = new Map<string, JudgePrompt>();

/** Load `name` (a file under eval/judge/prompts without .md) or a path to a prompt file. */
export function loadPrompt(nameOrPath: string): JudgePrompt {
  const path = nameOrPath.includes('/') || nameOrPath.endsWith('.md') ? nameOrPath : join(PROMPTS_DIR, `${nameOrPath}.md`);
  const hit = cache.get(path);
  if (hit) return hit;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new PromptFileError(path, (err as Error).message);
  }
  const prompt = parsePrompt(text, path);
  cache.set(path, prompt);
  return prompt;
}

export function parsePrompt(text: string, path = '(inline)'): JudgePrompt {
  const m = /^---\r?\n([\s\S]*?)\r?\n---\r?\n([\s\S]*)$/.exec(text);
  if (!m) throw new PromptFileError(path, 'must start with a --- front-matter block (id, version)');
  const meta = new Map<string, string>();
  for (const line of (m[1] ?? '').split(/\r?\n/)) {
    const kv = /^(\w+):\s*(.*)$/.exec(line.trim());
    if (kv) meta.set(kv[1] ?? '', (kv[2] ?? '').trim());
  }
  const id = meta.get('id');
  const version = Number(meta.get('version'));
  if (!id) throw new PromptFileError(path, 'front matter needs an id');
  if (!Number.isInteger(version) || version < 1) throw new PromptFileError(path, 'front matter needs an integer version ≥ 1');
  const parts = (m[2] ?? '').split(/^=== user ===\s*$/m);
  if (parts.length !== 2) throw new PromptFileError(path, 'needs exactly one "=== user ===" line between the system and user parts');
  const system = (parts[0] ?? '').trim();
  const user = (parts[1] ?? '').trim();
  const variables = [...new Set([...user.matchAll(/\{\{(\w+)\}\}/g)].map((x) => x[1] ?? ''))];
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 16);
  return { id, version, hash, path, system, user, variables };
}

/** Fill the user template; a missing variable is an error (a silently empty slot would skew every verdict). */
export function renderPrompt(prompt: JudgePrompt, vars: Readonly<Record<string, string | number>>): { system: string; user: string } {
  const missing = prompt.variables.filter((v) => vars[v] === undefined);
  if (missing.length > 0) throw new PromptFileError(prompt.path, `missing variables: ${missing.join(', ')}`);
  return { system: prompt.system, user: prompt.user.replace(/\{\{(\w+)\}\}/g, (_, name: string) => String(vars[name])) };
}

/** `id@version#hash` — how reports name a prompt. */
export const promptRef = (p: JudgePrompt): string => `${p.id}@v${p.version}#${p.hash}`;
