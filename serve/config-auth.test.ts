import { describe, expect, it } from 'vitest';
import { ConfigError, isLoopbackHost, testConfig } from './config';

describe('AUTH and HOST', () => {
  it('knows loopback addresses from the others', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', 'LOCALHOST', '::1', '[::1]', '::ffff:127.0.0.1']) expect(isLoopbackHost(h), h).toBe(true);
    for (const h of ['0.0.0.0', '::', '[::]', '192.168.1.2', '10.0.0.1', '128.0.0.1', 'example.com', 'localhost.example.com', '::ffff:10.0.0.1']) {
      expect(isLoopbackHost(h), h).toBe(false);
    }
  });

  it('auto requires a key exactly when HOST is not loopback; required and off are what they say', () => {
    expect(testConfig().authRequired).toBe(false);
    expect(testConfig({ HOST: '0.0.0.0' }).authRequired).toBe(true);
    expect(testConfig({ HOST: '10.1.2.3', AUTH: 'auto' }).authRequired).toBe(true);
    expect(testConfig({ AUTH: 'required' }).authRequired).toBe(true);
    expect(testConfig({ AUTH: 'off' }).authRequired).toBe(false);
  });

  it('refuses AUTH=off off loopback unless AUTH_ALLOW_OPEN=true; rejects unknown AUTH values', () => {
    expect(() => testConfig({ AUTH: 'off', HOST: '0.0.0.0' })).toThrow(ConfigError);
    expect(() => testConfig({ AUTH: 'off', HOST: '192.168.1.2' })).toThrow(/AUTH_ALLOW_OPEN=true/);
    expect(testConfig({ AUTH: 'off', HOST: '0.0.0.0', AUTH_ALLOW_OPEN: 'true' }).authRequired).toBe(false);
    expect(() => testConfig({ AUTH: 'none' })).toThrow(/AUTH="none"/);
  });
});
