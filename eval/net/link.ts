/**
 * The timing model of one direction of a throttled link: bytes are serialised onto the link at
 * `bytesPerSec` (unlimited when 0 or absent), one after another, then propagate for `latencyMs`.
 * A slice arriving at `now` is delivered at max(now, link free) + size / rate + latency, so
 * delivery times never decrease (order is preserved) and are never earlier than either limit allows.
 */

export interface LinkOptions {
  /** one-way propagation delay (ms) */
  latencyMs?: number;
  /** serialisation rate (bytes/s); 0 or absent = unlimited */
  bytesPerSec?: number;
}

export class LinkSchedule {
  private freeAt = Number.NEGATIVE_INFINITY;
  private readonly latencyMs: number;
  private readonly rate: number;

  constructor(o: LinkOptions = {}) {
    this.latencyMs = o.latencyMs ?? 0;
    this.rate = o.bytesPerSec ?? 0;
    if (!(this.latencyMs >= 0) || !Number.isFinite(this.latencyMs)) throw new RangeError(`latencyMs must be a finite number >= 0, got ${o.latencyMs}`);
    if (!(this.rate >= 0) || !Number.isFinite(this.rate)) throw new RangeError(`bytesPerSec must be a finite number >= 0, got ${o.bytesPerSec}`);
  }

  /** When `bytes` arriving at `now` (ms) reach the far end, after everything scheduled before them. */
  schedule(bytes: number, now: number): number {
    const start = Math.max(now, this.freeAt);
    const sent = this.rate > 0 ? start + (bytes / this.rate) * 1000 : start;
    this.freeAt = sent;
    return sent + this.latencyMs;
  }
}

/**
 * How many bytes to schedule as one write: about `sliceMs` of transmission at the rate (so a
 * rate limit delivers a steady trickle rather than bursts), at least 1 byte, at most 16 KiB;
 * unlimited links write what arrived as it is.
 */
export function sliceBytes(bytesPerSec: number | undefined, sliceMs = 5): number {
  if (!bytesPerSec) return Number.POSITIVE_INFINITY;
  return Math.min(16_384, Math.max(1, Math.floor((bytesPerSec * sliceMs) / 1000)));
}
