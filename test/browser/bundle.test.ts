import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UI_DIST } from '../../serve/testing';
import { pageScripts } from '../support/ui-bundle';

describe('web chat bundle', () => {
  it('the chat page loads at most 100 KB of gzipped JavaScript', () => {
    if (!existsSync(join(UI_DIST, 'index.html'))) execFileSync('npm', ['run', 'build:ui'], { stdio: 'ignore' });
    const scripts = pageScripts(UI_DIST);
    expect(scripts.length).toBeGreaterThan(0);
    const total = scripts.reduce((n, s) => n + s.gzipBytes, 0);
    expect(total, JSON.stringify(scripts)).toBeLessThanOrEqual(100 * 1024);
  });
});
