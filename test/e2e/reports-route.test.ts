import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Stack, startStack } from '../../serve/testing';
import { writeFixtureRoot } from '../support/report-fixtures';

const SECRET = 'TOP-SECRET-OUTSIDE-REPORTS';

/** GET a raw request path as given (fetch would normalise ../ away). */
function rawGet(base: string, rawPath: string): Promise<{ status: number; body: string; type: string }> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, path: rawPath, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, type: String(res.headers['content-type'] ?? '') }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('GET /api/reports', () => {
  let stack: Stack;
  let root: string;
  let outside: string;
  let dirs: string[];

  beforeAll(async () => {
    ({ root, dirs } = await writeFixtureRoot([
      { startedAt: '2026-01-01T00:00:00.000Z', cases: 20, latencyMs: 100, accuracy: 0.8 },
      { startedAt: '2026-01-02T00:00:00.000Z', cases: 20, latencyMs: 120, accuracy: 0.7, seed: 2 },
    ]));
    outside = await mkdtemp(path.join(os.tmpdir(), 'memocha-outside-'));
    await writeFile(path.join(outside, 'secret.json'), JSON.stringify({ secret: SECRET }));
    await writeFile(path.join(path.dirname(root), `${path.basename(root)}-sibling.json`), JSON.stringify({ secret: SECRET }));
    await symlink(path.join(outside, 'secret.json'), path.join(root, 'link-out.json'));
    await symlink(outside, path.join(root, 'dir-out'));
    await mkdir(path.join(root, 'inner'));
    await symlink(path.join(root, dirs[0]!, 'report.json'), path.join(root, 'inner', 'link-in.json'));
    await writeFile(path.join(root, 'notes.txt'), SECRET);
    stack = await startStack({ env: { REPORTS_DIR: root } });
  });

  afterAll(async () => {
    await stack?.close();
    await rm(root, { recursive: true, force: true });
    await rm(outside, { recursive: true, force: true });
    await rm(`${root}-sibling.json`, { force: true });
  });

  it('lists the runs of index.json, newest first', async () => {
    const res = await fetch(`${stack.url}/api/reports`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { runs: { dir: string; suite: string }[] };
    expect(body.runs.map((r) => r.dir)).toEqual([dirs[1], dirs[0]]);
    expect(body.runs[0]!.suite).toBe('memory');
  });

  it('serves a run file read-only from below the root', async () => {
    const res = await rawGet(stack.url, `/api/reports/files/${dirs[0]}/report.json`);
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/^application\/json/);
    expect((JSON.parse(res.body) as { rows: unknown[] }).rows).toHaveLength(20);
    const csv = await rawGet(stack.url, `/api/reports/files/${dirs[0]}/rows.csv`);
    expect(csv.status).toBe(200);
    expect(csv.type).toMatch(/^text\/csv/);
    const post = await fetch(`${stack.url}/api/reports/files/${dirs[0]}/report.json`, { method: 'DELETE' });
    expect(post.status).toBe(405);
  });

  it('follows a symlink that stays inside the root', async () => {
    const res = await rawGet(stack.url, '/api/reports/files/inner/link-in.json');
    expect(res.status).toBe(200);
    expect(res.body).toContain('"schemaVersion"');
  });

  const traversals: [string, number][] = [
    ['/api/reports/files/../index.json', 400],
    ['/api/reports/files/../../etc/passwd', 400],
    ['/api/reports/files/%2e%2e/%2e%2e/etc/passwd', 400],
    ['/api/reports/files/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd', 400],
    ['/api/reports/files/..%2f..%2fetc%2fpasswd', 400],
    ['/api/reports/files/..%5c..%5cetc%5cpasswd', 400],
    ['/api/reports/files/%252e%252e/secret.json', 404],
    ['/api/reports/files/memory/%00/report.json', 400],
    ['/api/reports/files//etc/passwd', 400],
    ['/api/reports/files/%2fetc%2fpasswd', 400],
    ['/api/reports/files/./index.json', 400],
    ['/api/reports/files/%E0%A4%A', 400],
    ['/api/reports/files/link-out.json', 404],
    ['/api/reports/files/dir-out/secret.json', 404],
    ['/api/reports/files/notes.txt', 404],
    ['/api/reports/files/memory', 404],
    ['/api/reports/files/nope/report.json', 404],
  ];
  it.each(traversals)('%s → %i, never a file outside the root', async (p, status) => {
    const res = await rawGet(stack.url, p);
    expect(res.status).toBe(status);
    expect(res.body).not.toContain(SECRET);
    expect(res.body).not.toContain('root:');
    const code = (JSON.parse(res.body) as { error: { code: string } }).error.code;
    expect(code).toBe(status === 400 ? 'invalid_report_path' : 'report_not_found');
  });

  it('serves the sibling of the root only through traversal, which is refused', async () => {
    const res = await rawGet(stack.url, `/api/reports/files/..%2f${path.basename(root)}-sibling.json`);
    expect(res.status).toBe(400);
    expect(res.body).not.toContain(SECRET);
  });
});

describe('GET /api/reports without a reports directory', () => {
  it('lists no runs and finds no files', async () => {
    const stack = await startStack({ env: { REPORTS_DIR: path.join(os.tmpdir(), `memocha-no-reports-${process.pid}`) } });
    try {
      const res = await fetch(`${stack.url}/api/reports`);
      expect(await res.json()).toEqual({ runs: [] });
      expect((await rawGet(stack.url, '/api/reports/files/index.json')).status).toBe(404);
    } finally {
      await stack.close();
    }
  });
});
