/** JSON Lines reading with problems reported as `file:line: message`. */
import type { z } from 'zod';

export interface JsonlLine {
  /** 1-based */
  line: number;
  value: unknown;
}

/** Parses every non-blank line; a line that is not JSON adds a problem and is skipped. */
export function readJsonl(text: string, file: string, problems: string[]): JsonlLine[] {
  const out: JsonlLine[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line.length === 0) return;
    try {
      out.push({ line: i + 1, value: JSON.parse(line) });
    } catch (err) {
      problems.push(`${file}:${i + 1}: not JSON: ${(err as Error).message}`);
    }
  });
  return out;
}

/** One problem per zod issue, with the path inside the line's object. */
export function zodProblems(file: string, line: number, error: z.ZodError): string[] {
  return error.issues.map((i) => `${file}:${line}: ${i.path.length > 0 ? `${i.path.join('.')}: ` : ''}${i.message}`);
}

/** Validates one line; on failure records the problems and returns undefined. */
export function parseLine<S extends z.ZodType>(schema: S, l: JsonlLine, file: string, problems: string[]): z.output<S> | undefined {
  const r = schema.safeParse(l.value);
  if (r.success) return r.data;
  problems.push(...zodProblems(file, l.line, r.error));
  return undefined;
}
