/**
 * A reader for HdrHistogram's compressed V2 encoding (what eval/metrics/histogram.ts stores): base64,
 * zlib via the platform's DecompressionStream, ZigZag LEB128 counts. It replaces hdr-histogram-js
 * in the page (that library with pako is over half the bundle); hdr.test.ts checks it against
 * hdr-histogram-js value for value. Values are in the histogram's unit (µs for our reports).
 */

const V2_COOKIE_BASE = 0x1c849303;
const V2_COMPRESSED_COOKIE_BASE = 0x1c849304;
const HEADER_BYTES = 40;

export interface Hdr {
  totalCount: number;
  /** per recorded (non-empty) bucket, ascending: its lowest and highest equivalent value and count */
  lows: number[];
  highs: number[];
  counts: number[];
}

function bytesOf(base64: string): Uint8Array {
  const bin = atob(base64.trim());
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

async function inflate(data: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([data as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('deflate'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

export async function decodeHdr(base64: string): Promise<Hdr> {
  const outer = bytesOf(base64);
  const ov = new DataView(outer.buffer, outer.byteOffset, outer.byteLength);
  if (outer.length < 8 || (ov.getInt32(0) & ~0xf0) !== V2_COMPRESSED_COOKIE_BASE) throw new Error('not a compressed HdrHistogram V2 encoding');
  const length = ov.getInt32(4);
  const data = await inflate(outer.subarray(8, 8 + length));
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (data.length < HEADER_BYTES || (v.getInt32(0) & ~0xf0) !== V2_COOKIE_BASE) throw new Error('not an HdrHistogram V2 encoding');
  const payload = v.getInt32(4);
  const digits = v.getInt32(12);
  const lowest = Number(v.getBigInt64(16));
  if (!(digits >= 0 && digits <= 5) || !(lowest >= 1)) throw new Error('bad HdrHistogram header');
  const unitMagnitude = Math.floor(Math.log2(lowest));
  const subBucketCountMagnitude = Math.ceil(Math.log2(2 * Math.floor(10 ** digits)));
  const halfMagnitude = (subBucketCountMagnitude > 1 ? subBucketCountMagnitude : 1) - 1;
  const half = 2 ** halfMagnitude;
  const out: Hdr = { totalCount: 0, lows: [], highs: [], counts: [] };
  let pos = HEADER_BYTES;
  const end = Math.min(data.length, HEADER_BYTES + payload);
  let index = 0;
  while (pos < end) {
    // ZigZag LEB128, up to 9 bytes (as hdr-histogram-js reads it)
    let raw = 0;
    let scale = 1;
    for (let i = 0; i < 9; i++) {
      const b = data[pos++] ?? 0;
      raw += (b & 0x7f) * scale;
      scale *= 128;
      if ((b & 0x80) === 0) break;
    }
    const n = raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
    if (n < 0) {
      index += -n;
      continue;
    }
    if (n > 0) {
      let bucket = Math.floor(index / half) - 1;
      let sub = (index % half) + half;
      if (bucket < 0) {
        sub -= half;
        bucket = 0;
      }
      const low = sub * 2 ** (bucket + unitMagnitude);
      out.lows.push(low);
      out.highs.push(low + 2 ** (bucket + unitMagnitude) - 1);
      out.counts.push(n);
      out.totalCount += n;
    }
    index++;
  }
  return out;
}

/** HdrHistogram's getValueAtPercentile: the highest value equivalent to the nearest-rank value (the lowest at 0). NaN when empty. */
export function valueAtPercentile(h: Hdr, percentile: number): number {
  if (h.totalCount === 0) return Number.NaN;
  const q = Math.min(percentile, 100);
  const fp = (q / 100) * h.totalCount;
  const ulp = fp > 0 ? 2 ** (Math.floor(Math.log2(fp)) - 52) : 0;
  const rank = Math.max(Math.ceil(fp - ulp), 1);
  let seen = 0;
  for (let i = 0; i < h.counts.length; i++) {
    seen += h.counts[i]!;
    if (seen >= rank) return percentile === 0 ? h.lows[i]! : h.highs[i]!;
  }
  return h.highs[h.highs.length - 1]!;
}
