/**
 * Token paint latency: for each streamed token, the time from its SSE event reaching the page to the
 * next animation frame after its DOM update (the frame that paints it). Read by the browser tests and
 * `npm run bench:ui` through window.memochaPerf.
 */
export interface PaintStats {
  /** ms, newest last; at most MAX kept. */
  tokenPaintMs: number[];
  /** How many times the conversation list re-rendered (it must not per token). */
  conversationRenders: number;
  tokens: number;
}

const MAX = 5_000;
export const paintStats: PaintStats = { tokenPaintMs: [], conversationRenders: 0, tokens: 0 };
(globalThis as { memochaPerf?: PaintStats }).memochaPerf = paintStats;

let pending: number[] = [];
let frame = 0;

/** Call after a token's DOM update with the time its event arrived. */
export function tokenPainted(arrivedAt: number, onFrame: () => void): void {
  paintStats.tokens++;
  pending.push(arrivedAt);
  if (frame) return;
  frame = requestAnimationFrame((now) => {
    frame = 0;
    // rAF's timestamp is the frame's start; performance.now() is when this frame's callbacks run.
    const at = Math.max(now, performance.now());
    for (const t of pending) paintStats.tokenPaintMs.push(at - t);
    if (paintStats.tokenPaintMs.length > MAX) paintStats.tokenPaintMs.splice(0, paintStats.tokenPaintMs.length - MAX);
    pending = [];
    onFrame();
  });
}
