/**
 * `memocha-eval html <reports> --out <dir>`: the dashboard (ui/dashboard) as one self-contained
 * page, <dir>/index.html, with the reports embedded: no server, no network, opens from file://.
 * The page is built here with vite (in memory, one script and one stylesheet inlined).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EmbeddedData } from '../../ui/dashboard/types';
import { readReport } from './read';
import { indexEntry } from './runs-index';
import type { Report } from './schema';

const DASHBOARD_ROOT = fileURLToPath(new URL('../../ui/dashboard/', import.meta.url));


/** The embedded data: one run per report, keyed `<suite>/<runId>` (suffixed when two share it), newest first. */
export function embeddedData(reports: readonly Report[]): EmbeddedData {
  const data: EmbeddedData = { runs: [], reports: {} };
  for (const r of reports) {
    let key = `${r.suite}/${r.runId}`;
    for (let i = 2; key in data.reports; i++) key = `${r.suite}/${r.runId}-${i}`;
    data.reports[key] = r;
    data.runs.push({ ...indexEntry(r, '.', '.'), dir: key });
  }
  data.runs.sort((a, b) => b.startedAt.localeCompare(a.startedAt));
  return data;
}

/** The dashboard's script and stylesheet, built in memory. */
export async function buildDashboardBundle(): Promise<{ js: string; css: string }> {
  const { build } = await import('vite');
  const out = await build({
    configFile: false,
    root: DASHBOARD_ROOT,
    logLevel: 'error',
    build: {
      write: false,
      target: 'es2022',
      modulePreload: { polyfill: false },
      cssCodeSplit: false,
      assetsInlineLimit: Number.MAX_SAFE_INTEGER,
      rollupOptions: { input: path.join(DASHBOARD_ROOT, 'index.html'), onwarn: () => {} },
    },
  });
  const outputs = (Array.isArray(out) ? out : [out]).flatMap((o) => ('output' in o ? o.output : []));
  const js = outputs.filter((o) => o.type === 'chunk' && o.isEntry).map((o) => (o.type === 'chunk' ? o.code : ''));
  const css = outputs.filter((o) => o.type === 'asset' && o.fileName.endsWith('.css')).map((o) => (o.type === 'asset' ? String(o.source) : ''));
  const chunks = outputs.filter((o) => o.type === 'chunk').length;
  if (js.length !== 1 || chunks !== 1) throw new Error(`the dashboard build gave ${chunks} scripts, ${js.length} of them entries; a self-contained page needs exactly one`);
  return { js: js[0]!, css: css.join('\n') };
}

/** The page: inline stylesheet, embedded data (`<` escaped so no text ends the script element), inline module. */
export function dashboardPage(bundle: { js: string; css: string }, data: EmbeddedData, title = 'Memocha eval report'): string {
  const json = JSON.stringify(data).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
  const js = bundle.js.replace(/<\/script/gi, '<\\/script');
  const css = bundle.css.replace(/<\/style/gi, '<\\/style');
  const esc = title.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8" />
<meta name="viewport" content="width=device-width, initial-scale=1" />
<title>${esc}</title>
<style>${css}</style>
</head>
<body>
<memocha-dashboard></memocha-dashboard>
<script type="application/json" id="memocha-data">${json}</script>
<script type="module">${js}</script>
</body>
</html>
`;
}

/** Read the reports (run dirs or report.json files), write <outDir>/index.html; returns its path. */
export async function writeHtmlExport(reportPaths: readonly string[], outDir: string): Promise<string> {
  const reports = await Promise.all(reportPaths.map((p) => readReport(p)));
  const page = dashboardPage(await buildDashboardBundle(), embeddedData(reports));
  await mkdir(outDir, { recursive: true });
  const file = path.join(outDir, 'index.html');
  await writeFile(file, page);
  return file;
}
