/** Run metadata: enough to reproduce a run and to tell two runs apart. */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile, readdir, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { JsonValue, RunMeta } from './schema';

const exec = promisify(execFile);

export interface GitInfo {
  sha: string;
  dirty: boolean;
}

/** `git rev-parse HEAD` and whether `git status --porcelain` lists anything; 'unknown' outside git. */
export async function gitInfo(cwd = process.cwd()): Promise<GitInfo> {
  try {
    const { stdout: sha } = await exec('git', ['rev-parse', 'HEAD'], { cwd, timeout: 10_000 });
    const { stdout: status } = await exec('git', ['status', '--porcelain'], { cwd, timeout: 10_000, maxBuffer: 16 * 1024 * 1024 });
    return { sha: sha.trim(), dirty: status.trim().length > 0 };
  } catch {
    return { sha: 'unknown', dirty: false };
  }
}

export interface DatasetInfo {
  id: string;
  path?: string;
  contentHash: string;
}

/**
 * sha256 of a dataset. A file: sha256 of its bytes (the same as `sha256sum file`). A directory:
 * sha256 over its files sorted by relative path, each as `<relative path>\0<sha256 of the file>\n`.
 */
export async function hashPath(p: string): Promise<string> {
  const s = await stat(p);
  if (s.isFile()) return sha256(await readFile(p));
  const files = (await listFiles(p)).sort();
  const h = createHash('sha256');
  for (const rel of files) h.update(`${rel}\0${sha256(await readFile(path.join(p, rel)))}\n`);
  return h.digest('hex');
}

export async function datasetInfo(id: string, p: string): Promise<DatasetInfo> {
  return { id, path: p, contentHash: await hashPath(p) };
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(path.join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await listFiles(dir, rel)));
    else if (e.isFile()) out.push(rel);
  }
  return out;
}

export interface MetaInput {
  seed: number;
  quick: boolean;
  argv: string[];
  config?: JsonValue;
  target?: string;
  dataset?: DatasetInfo;
  provider?: RunMeta['provider'];
  cwd?: string;
}

export async function gatherMeta(input: MetaInput): Promise<RunMeta> {
  const git = await gitInfo(input.cwd);
  const cpus = os.cpus();
  const meta: RunMeta = {
    gitSha: git.sha,
    gitDirty: git.dirty,
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    cpu: { model: cpus[0]?.model.trim() ?? 'unknown', cores: cpus.length },
    memoryGb: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    hostname: os.hostname(),
    config: input.config ?? {},
    seed: input.seed,
    quick: input.quick,
    argv: input.argv,
  };
  if (input.dataset) meta.dataset = input.dataset;
  if (input.provider) meta.provider = input.provider;
  if (input.target !== undefined) meta.target = input.target;
  return meta;
}
