/**
 * Summaries of a V8 CPU profile (.cpuprofile, as written by node --cpu-prof or the inspector's
 * Profiler.stop): time by function (self and inclusive) and by where the code lives (a package of
 * node_modules, a file of this repository, node's internals, GC, idle). Sample times are the profile's
 * timeDeltas (µs), so an irregular sampling interval is weighted correctly.
 */
export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface FrameTime {
  /** function (url:line), or a place for `byPlace` */
  frame: string;
  selfMs: number;
  /** time with this frame anywhere on the stack (each frame counted once per sample) */
  totalMs: number;
  selfShare: number;
}

export interface ProfileSummary {
  /** sampled time, ms */
  sampledMs: number;
  /** sampled time that was not idle, ms */
  busyMs: number;
  byFunction: FrameTime[];
  byPlace: FrameTime[];
}

const SPECIAL = new Set(['(idle)', '(program)', '(garbage collector)', '(root)']);

/** Where a frame's code lives: an npm package, a repository file (serve/…, eval/…), node:internal, or a V8 pseudo-frame. */
export function placeOf(callFrame: { functionName: string; url: string }): string {
  if (SPECIAL.has(callFrame.functionName) && !callFrame.url) return callFrame.functionName;
  const url = callFrame.url;
  if (!url) return '(native)';
  if (url.startsWith('node:')) return 'node:internal';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + '/node_modules/'.length).split('/');
    return `npm:${rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]}`;
  }
  const m = /\/(serve|eval|test|datasets)\/(.*)$/.exec(url);
  return m ? `${m[1]}/${m[2]}` : url.replace(/^file:\/\//, '');
}

function frameKey(cf: { functionName: string; url: string; lineNumber: number }): string {
  if (!cf.url) return cf.functionName || '(anonymous)';
  const place = placeOf(cf);
  return `${cf.functionName || '(anonymous)'} ${place}:${cf.lineNumber + 1}`;
}

export function summariseProfile(p: CpuProfile): ProfileSummary {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  const placeSelf = new Map<string, number>();
  const placeTotal = new Map<string, number>();
  let sampled = 0;
  let idle = 0;
  const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);
  p.samples.forEach((id, i) => {
    // timeDeltas[i] is the time before sample i; the time a sample stands for is the delta that follows it
    const us = p.timeDeltas[i + 1] ?? 0;
    if (us <= 0) return;
    const node = byId.get(id);
    if (!node) return;
    sampled += us;
    if (node.callFrame.functionName === '(idle)') idle += us;
    add(self, frameKey(node.callFrame), us);
    add(placeSelf, placeOf(node.callFrame), us);
    const seenFrames = new Set<string>();
    const seenPlaces = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const cf = byId.get(cur)?.callFrame;
      if (!cf || cf.functionName === '(root)') continue;
      const k = frameKey(cf);
      const pl = placeOf(cf);
      if (!seenFrames.has(k)) {
        seenFrames.add(k);
        add(total, k, us);
      }
      if (!seenPlaces.has(pl)) {
        seenPlaces.add(pl);
        add(placeTotal, pl, us);
      }
    }
  });
  const rows = (s: Map<string, number>, t: Map<string, number>): FrameTime[] =>
    [...new Set([...s.keys(), ...t.keys()])]
      .map((frame) => ({ frame, selfMs: (s.get(frame) ?? 0) / 1000, totalMs: (t.get(frame) ?? 0) / 1000, selfShare: sampled ? (s.get(frame) ?? 0) / sampled : 0 }))
      .sort((a, b) => b.selfMs - a.selfMs || b.totalMs - a.totalMs);
  return { sampledMs: sampled / 1000, busyMs: (sampled - idle) / 1000, byFunction: rows(self, total), byPlace: rows(placeSelf, placeTotal) };
}

/** Markdown: the top `n` functions by self time and every place, with shares of the busy (non-idle) time. */
export function profileMarkdown(title: string, s: ProfileSummary, n = 30): string {
  const pct = (ms: number) => (s.busyMs ? `${((100 * ms) / s.busyMs).toFixed(1)} %` : '—');
  const fmt = (ms: number) => ms.toFixed(1);
  const lines = [`## ${title}`, '', `sampled ${fmt(s.sampledMs)} ms, busy (not idle) ${fmt(s.busyMs)} ms; shares are of the busy time`, ''];
  lines.push('### by place (self / inclusive)', '', '| place | self ms | self share | inclusive ms | inclusive share |', '| --- | --- | --- | --- | --- |');
  for (const r of s.byPlace.filter((r) => r.frame !== '(idle)').slice(0, 25)) lines.push(`| ${r.frame} | ${fmt(r.selfMs)} | ${pct(r.selfMs)} | ${fmt(r.totalMs)} | ${pct(r.totalMs)} |`);
  lines.push('', `### top ${n} functions by self time`, '', '| function | self ms | self share | inclusive ms | inclusive share |', '| --- | --- | --- | --- | --- |');
  for (const r of s.byFunction.filter((r) => r.frame !== '(idle)').slice(0, n)) lines.push(`| \`${r.frame.replace(/\|/g, '\\|')}\` | ${fmt(r.selfMs)} | ${pct(r.selfMs)} | ${fmt(r.totalMs)} | ${pct(r.totalMs)} |`);
  return `${lines.join('\n')}\n`;
}
