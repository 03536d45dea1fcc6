/** A one-line progress indicator on stderr: only on a TTY and outside CI, redrawn at most 10 times a second. */

export interface Progress {
  tick(n?: number): void;
  done(): void;
}

export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(s: string): boolean;
}

export interface ProgressOptions {
  label?: string;
  stream?: ProgressStream;
  /** default: the stream is a TTY and $CI is not set */
  enabled?: boolean;
  now?: () => number;
}

const REDRAW_MS = 100;
const BAR = 20;

export function createProgress(total: number, opts: ProgressOptions = {}): Progress {
  const stream = opts.stream ?? process.stderr;
  const enabled = opts.enabled ?? (stream.isTTY === true && !process.env.CI);
  const now = opts.now ?? (() => performance.now());
  const label = opts.label ?? 'progress';
  const start = now();
  let count = 0;
  let lastDraw = -Infinity;
  let finished = false;

  const draw = (final: boolean) => {
    const t = now();
    if (!final && t - lastDraw < REDRAW_MS) return;
    lastDraw = t;
    stream.write(`\r\x1b[2K${line(label, count, total, (t - start) / 1000, stream.columns)}${final ? '\n' : ''}`);
  };

  return {
    tick(n = 1) {
      if (finished) return;
      count += n;
      if (enabled) draw(false);
    },
    done() {
      if (finished) return;
      finished = true;
      if (enabled) draw(true);
    },
  };
}

/** The text of the progress line (exported for tests). */
export function line(label: string, count: number, total: number, seconds: number, columns = 100): string {
  const rate = seconds > 0 ? count / seconds : 0;
  const parts = [label];
  if (total > 0) {
    const frac = Math.min(1, count / total);
    const filled = Math.round(frac * BAR);
    parts.push(`[${'#'.repeat(filled)}${'.'.repeat(BAR - filled)}]`, `${count}/${total}`, `${Math.floor(frac * 100)}%`);
  } else {
    parts.push(String(count));
  }
  parts.push(`${rate.toFixed(1)}/s`, `${formatSeconds(seconds)} elapsed`);
  if (total > 0 && rate > 0 && count < total) parts.push(`ETA ${formatSeconds((total - count) / rate)}`);
  const text = parts.join(' ');
  return text.length > columns - 1 ? text.slice(0, columns - 1) : text;
}

function formatSeconds(s: number): string {
  if (s < 60) return `${Math.round(s)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(Math.floor(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
