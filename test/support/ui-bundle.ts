import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

/** The JavaScript a page of the UI build loads (its module script and modulepreloads), with gzip sizes. */
export function pageScripts(dist: string, page = 'index.html'): { file: string; bytes: number; gzipBytes: number }[] {
  const html = readFileSync(join(dist, page), 'utf8');
  const srcs = [...html.matchAll(/<script[^>]+src="([^"]+\.js)"/g), ...html.matchAll(/<link[^>]+rel="modulepreload"[^>]+href="([^"]+\.js)"/g)].map((m) => m[1]!);
  return [...new Set(srcs)].map((src) => {
    const body = readFileSync(join(dist, src.replace(/^\//, '')));
    return { file: src, bytes: body.length, gzipBytes: gzipSync(body, { level: 9 }).length };
  });
}
