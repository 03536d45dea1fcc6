/**
 * The `Server-Timing` response header (W3C Server Timing, registered by RFC 8673's HTTP field registry):
 * `name;dur=<ms>;desc="…"` metrics joined by `, `. Names are tokens; durations in ms, rounded to 0.01.
 */
export interface ServerTimingMetric {
  name: string;
  dur?: number;
  desc?: string;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export function serverTiming(metrics: readonly ServerTimingMetric[]): string {
  const parts: string[] = [];
  for (const m of metrics) {
    if (!TOKEN.test(m.name)) throw new Error(`Server-Timing: ${JSON.stringify(m.name)} is not a token`);
    let part = m.name;
    if (m.dur !== undefined && Number.isFinite(m.dur)) part += `;dur=${Math.round(m.dur * 100) / 100}`;
    if (m.desc !== undefined) part += `;desc=${JSON.stringify(m.desc.replace(/[^\x20-\x7e]/g, '?'))}`;
    parts.push(part);
  }
  return parts.join(', ');
}
