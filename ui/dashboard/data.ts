/** Where the dashboard's runs come from: the server's /api/reports, or data embedded by `memocha-eval html`. */
import type { EmbeddedData, IndexEntry, Report } from './types';

export type { EmbeddedData, IndexEntry, Report };

export interface ReportSource {
  readonly kind: 'api' | 'static';
  listRuns(): Promise<IndexEntry[]>;
  report(dir: string): Promise<Report>;
}

export class SourceError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    readonly code?: string,
  ) {
    super(message);
  }
}

export const API_KEY_STORAGE = 'memocha.apiKey';

function checkReport(data: unknown, dir: string): Report {
  const r = data as Partial<Report> | null;
  if (!r || r.schemaVersion !== 1 || !Array.isArray(r.rows) || typeof r.metrics !== 'object' || r.metrics === null) {
    throw new SourceError(`${dir}/report.json is not a Memocha report (schemaVersion 1)`);
  }
  return r as Report;
}

/** The server's reports API; the API key (AUTH on) comes from localStorage. */
export function apiSource(base = '/api/reports', storage: Storage | null = globalThis.localStorage ?? null): ReportSource {
  const cache = new Map<string, Promise<Report>>();
  async function get(url: string): Promise<unknown> {
    const key = storage?.getItem(API_KEY_STORAGE);
    const res = await fetch(url, { headers: key ? { authorization: `Bearer ${key}` } : {} });
    if (!res.ok) {
      const body = (await res.json().catch(() => null)) as { error?: { code?: string; message?: string } } | null;
      throw new SourceError(body?.error?.message ?? `${url}: HTTP ${res.status}`, res.status, body?.error?.code);
    }
    return res.json();
  }
  return {
    kind: 'api',
    async listRuns() {
      const body = (await get(base)) as { runs?: IndexEntry[] };
      return body.runs ?? [];
    },
    report(dir) {
      let p = cache.get(dir);
      if (!p) {
        const segments = dir.split('/');
        // a URL resolves '.' and '..' (even as %2E) before it is sent: refuse them here, as the server would
        p = segments.some((s) => s === '' || /^\.+$/.test(s))
          ? Promise.reject(new SourceError(`"${dir}" is not a run directory inside the reports directory`, 400, 'invalid_report_path'))
          : get(`${base}/files/${segments.map(encodeURIComponent).join('/')}/report.json`).then((d) => checkReport(d, dir));
        p.catch(() => cache.delete(dir));
        cache.set(dir, p);
      }
      return p;
    },
  };
}

export function embeddedSource(data: EmbeddedData): ReportSource {
  return {
    kind: 'static',
    listRuns: () => Promise.resolve(data.runs),
    report: (dir) => {
      const r = data.reports[dir];
      return r ? Promise.resolve(r) : Promise.reject(new SourceError(`no run ${dir} in this page`, 404));
    },
  };
}

/** The embedded data when the page carries it (a static export), else the API. */
export function pickSource(doc: Document): ReportSource {
  const el = doc.getElementById('memocha-data');
  if (el?.textContent) return embeddedSource(JSON.parse(el.textContent) as EmbeddedData);
  return apiSource();
}
