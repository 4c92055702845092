import { describe, expect, it } from 'vitest';
import { InvalidOptionsError } from '../errors.js';
import { DROPPED, REDACTED, Redactor } from './redactor.js';

const secrets = {
  openai: 'sk-proj-AbCdEfGhIjKlMnOpQrStUvWx0123',
  github: 'ghp_0123456789abcdefghijABCDEFGHIJ',
  jwt: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyIn0.c2lnbmF0dXJlLXZhbHVl',
  arcade: 'arc_o1AbCdEfGhIjKlMnOpQrSt',
  aws: 'AKIAIOSFODNN7EXAMPLE',
  oauth: 'ya29.a0AfH6SMBx-secret-oauth-token',
};

describe('Redactor', () => {
  it('replaces values under secret keys at any depth, keeping look-alike keys such as tokenUsage', () => {
    const redactor = new Redactor();
    const input = {
      headers: { Authorization: `Bearer ${secrets.oauth}`, 'X-Api-Key': 'plain-key-value', accept: 'json' },
      nested: [{ db_password: 'hunter2', githubToken: 'x', refresh_token: 'y', cookie: 'z' }],
      tokenUsage: { inputTokens: 12, outputTokens: 3 },
      maxTokens: 100,
    };
    expect(redactor.redact(input)).toEqual({
      headers: { Authorization: REDACTED, 'X-Api-Key': REDACTED, accept: 'json' },
      nested: [{ db_password: REDACTED, githubToken: REDACTED, refresh_token: REDACTED, cookie: REDACTED }],
      tokenUsage: { inputTokens: 12, outputTokens: 3 },
      maxTokens: 100,
    });
    expect(input.headers.Authorization).toBe(`Bearer ${secrets.oauth}`); // input untouched
  });

  it('removes known secret shapes from free text, URLs and query strings', () => {
    const redactor = new Redactor();
    const text = [
      `key ${secrets.openai} and ${secrets.github}`,
      `jwt ${secrets.jwt} arcade ${secrets.arcade} aws ${secrets.aws}`,
      `Authorization: Bearer ${secrets.oauth}`,
      'postgres://admin:s3cr3t@db.internal:5432/app',
      'https://api.example/cb?code=1&access_token=abc123def&state=x',
    ].join('\n');
    const redacted = redactor.redactString(text);
    for (const secret of [...Object.values(secrets), 's3cr3t', 'abc123def']) {
      expect(redacted).not.toContain(secret);
    }
    expect(redacted).toContain('postgres://[REDACTED]@db.internal');
    expect(redacted).toContain('state=x');
    expect(redactor.redactString('Bearer of bad news; Basic information')).toBe(
      'Bearer of bad news; Basic information',
    );
  });

  it('hashes or drops tool-call argument values while keeping their names', () => {
    const data = { tool: 'Gmail.Send', arguments: { to: 'a@b.c', body: { text: 'hi' }, count: 3 } };
    const hashed = new Redactor({ argumentValues: 'hash', hashSalt: 'pepper' }).redactData(data);
    const args = hashed['arguments'] as Record<string, unknown>;
    expect(args['to']).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect((args['body'] as Record<string, unknown>)['text']).toMatch(/^sha256:/);
    expect(args['count']).toMatch(/^sha256:/);
    expect(hashed['tool']).toBe('Gmail.Send');
    // Same value, same salt → same digest; another salt → another digest.
    expect(new Redactor({ argumentValues: 'hash', hashSalt: 'pepper' }).redactData(data)).toEqual(hashed);
    const otherSalt = new Redactor({ argumentValues: 'hash', hashSalt: 'salt' }).redactData(data);
    expect((otherSalt['arguments'] as Record<string, unknown>)['to']).not.toBe(args['to']);

    const dropped = new Redactor({ argumentValues: 'drop' }).redactData(data);
    expect(dropped['arguments']).toEqual({ to: DROPPED, body: { text: DROPPED }, count: DROPPED });
  });

  it('hashes and drops chosen keys anywhere, and produces plain JSON from any value', () => {
    const redactor = new Redactor({ hashKeys: ['email'], dropKeys: ['raw_html'], secretKeys: ['pin'] });
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic['self'] = cyclic;
    const output = redactor.redact({
      user: { email: 'a@b.c', raw_html: '<p>', pin: 1234 },
      when: new Date(0),
      big: 10n,
      fn: () => 1,
      error: new Error(`failed with ${secrets.openai}`),
      cyclic,
      nan: Number.NaN,
    });
    expect(output).toEqual({
      user: { email: expect.stringMatching(/^sha256:/), pin: REDACTED },
      when: '1970-01-01T00:00:00.000Z',
      big: '10',
      error: { name: 'Error', message: `failed with ${REDACTED}` },
      cyclic: { name: 'loop', self: '[CIRCULAR]' },
      nan: 'NaN',
    });
  });

  it('rejects invalid options with InvalidOptionsError', () => {
    expect(() => new Redactor({ argumentValues: 'encrypt' as 'hash' })).toThrow(InvalidOptionsError);
  });
});
