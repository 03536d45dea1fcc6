/** Bounded, append-only store of ground-truth records. */
import type { SimRequestRecord } from './types';

export class RecordStore {
  /** Live array (records keep being updated while their request is in flight). */
  readonly records: SimRequestRecord[] = [];
  private nextSeq = 0;

  constructor(public maxRecords: number) {}

  /** Sequence number the next request will get. */
  get seq(): number {
    return this.nextSeq;
  }

  /** Reserve the next sequence number. */
  take(): number {
    return this.nextSeq++;
  }

  push(record: SimRequestRecord): void {
    this.records.push(record);
    const excess = this.records.length - this.maxRecords;
    if (excess > 0) this.records.splice(0, excess);
  }

  /** Records with seq >= since. */
  since(since: number): SimRequestRecord[] {
    // Records are in seq order, so find the first one by binary search.
    let lo = 0;
    let hi = this.records.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.records[mid]?.seq ?? 0) < since) lo = mid + 1;
      else hi = mid;
    }
    return this.records.slice(lo);
  }

  /** Forget the records; sequence numbers keep counting (so fault decisions stay reproducible). */
  clear(): void {
    this.records.length = 0;
  }
}
