/**
 * A parser of the `Server-Timing` response header (W3C Server Timing §3, field registered by RFC 8673's
 * registry): comma-separated metrics `name *( ";" param [ "=" value ] )`, value a token or a quoted string.
 * Unknown params are ignored, a malformed `dur` becomes 0 and a repeated param keeps its first value
 * (the spec's processing rules); a metric whose name is not a token is skipped.
 */
export interface ServerTimingEntry {
  name: string;
  dur: number;
  desc: string;
}

const TOKEN_CHAR = /[!#$%&'*+.^_`|~0-9A-Za-z-]/;

export function parseServerTiming(header: string | null | undefined): ServerTimingEntry[] {
  if (!header) return [];
  const out: ServerTimingEntry[] = [];
  let i = 0;
  const n = header.length;
  const ws = () => {
    while (i < n && (header[i] === ' ' || header[i] === '\t')) i++;
  };
  const token = () => {
    const start = i;
    while (i < n && TOKEN_CHAR.test(header[i] as string)) i++;
    return header.slice(start, i);
  };
  const quoted = () => {
    let s = '';
    i++; // opening quote
    while (i < n && header[i] !== '"') {
      if (header[i] === '\\' && i + 1 < n) i++;
      s += header[i];
      i++;
    }
    i++; // closing quote
    return s;
  };
  const skipToComma = () => {
    while (i < n && header[i] !== ',') {
      if (header[i] === '"') quoted();
      else i++;
    }
  };
  while (i < n) {
    ws();
    const name = token();
    const entry: ServerTimingEntry = { name, dur: 0, desc: '' };
    const seen = new Set<string>();
    ws();
    while (i < n && header[i] === ';') {
      i++;
      ws();
      const param = token().toLowerCase();
      ws();
      let value = '';
      if (header[i] === '=') {
        i++;
        ws();
        value = header[i] === '"' ? quoted() : token();
        ws();
      }
      if (seen.has(param)) continue;
      seen.add(param);
      if (param === 'dur') {
        const d = Number(value);
        entry.dur = value !== '' && Number.isFinite(d) ? d : 0;
      } else if (param === 'desc') entry.desc = value;
    }
    if (name && (i >= n || header[i] === ',')) out.push(entry);
    skipToComma();
    i++; // the comma
  }
  return out;
}

/** Entries by name (the first of a repeated name). */
export function serverTimingMap(header: string | null | undefined): Map<string, ServerTimingEntry> {
  const m = new Map<string, ServerTimingEntry>();
  for (const e of parseServerTiming(header)) if (!m.has(e.name)) m.set(e.name, e);
  return m;
}
