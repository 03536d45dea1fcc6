import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config';

describe('loadConfig', () => {
  it('has working defaults with an empty environment: embedded DB and the simulator', () => {
    const c = loadConfig({});
    expect(c.PORT).toBe(3000);
    expect(c.DATA_DIR).toBe('./data');
    expect(c.DATABASE_URL).toBeUndefined();
    expect(c.llmMode).toBe('sim');
    expect(c.model).toBe('memocha-sim-extractive');
    expect(c.LLM_MAX_RETRIES).toBe(2);
  });

  it('uses the OpenAI-compatible provider when a base URL is given, and accepts OPENAI_* aliases', () => {
    expect(loadConfig({ LLM_BASE_URL: 'http://127.0.0.1:8000/v1' }).llmMode).toBe('openai');
    const c = loadConfig({ OPENAI_API_KEY: 'sk-test', OPENAI_MODEL: 'gpt-4.1-mini' });
    expect(c.llmMode).toBe('openai');
    expect(c.LLM_API_KEY).toBe('sk-test');
    expect(c.model).toBe('gpt-4.1-mini');
  });

  it('names each bad variable and how to fix it', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'abc', DATABASE_URL: 'mysql://x', LLM_FALLBACKS: '[{"baseUrl":1}]', LOG_LEVEL: 'loud' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    expect(message).toContain('PORT="abc"');
    expect(message).toContain('DATABASE_URL="mysql://x": must start with postgres://');
    expect(message).toContain('LLM_FALLBACKS.0.baseUrl');
    expect(message).toContain('LLM_FALLBACKS.0.model');
    expect(message).toContain('LOG_LEVEL');
    expect(message).toContain('.env.example');
    expect((error as ConfigError).problems).toHaveLength(5);
  });

  it('accepts the static embedder specs and rejects look-alikes', () => {
    for (const spec of ['static', 'static:use-lite', 'static?dtype=int8', 'static:use-lite?a=0.0001&center=none']) expect(loadConfig({ EMBEDDINGS: spec }).EMBEDDINGS).toBe(spec);
    expect(() => loadConfig({ EMBEDDINGS: 'statics' })).toThrow(/EMBEDDINGS.*static\[:use-lite\]/);
  });

  it('rejects LLM_FALLBACKS that is not JSON', () => {
    expect(() => loadConfig({ LLM_FALLBACKS: '{oops' })).toThrow(/LLM_FALLBACKS.*not valid JSON/);
  });

  it('refuses LLM_PROVIDER=openai without an endpoint or key', () => {
    expect(() => loadConfig({ LLM_PROVIDER: 'openai' })).toThrow(/LLM_BASE_URL/);
  });

  it('stops the server process with exit code 1 and the message on bad config', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'serve/main.ts'], {
      env: { ...process.env, PORT: '99999', LOG_LEVEL: 'silent' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('PORT="99999"');
  });
});
