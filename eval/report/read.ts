/** Read a report from a report.json path or a run directory, validated against the schema. */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Report } from './schema';
import { parseReport } from './schema';

export async function readReport(fileOrDir: string): Promise<Report> {
  let file = fileOrDir;
  const s = await stat(fileOrDir).catch(() => null);
  if (s === null) throw new Error(`no report at ${fileOrDir}`);
  if (s.isDirectory()) file = path.join(fileOrDir, 'report.json');
  let data: unknown;
  try {
    data = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read report ${file}: ${(err as Error).message}`, { cause: err });
  }
  return parseReport(data, file);
}
