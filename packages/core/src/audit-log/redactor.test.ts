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
  it('gives the same answer when a redactor sees the same strings and keys again (remembered clean texts)', () => {
    const redactor = new Redactor({ dropKeys: ['internalNote'], hashKeys: ['email'] });
    const event = {
      tool: 'Gmail.ListEmails',
      outcome: 'success',
      note: `key ${secrets.openai}`,
      internalNote: 'dropped',
      email: 'a@example.com',
      nested: { text: '{"password":"hunter2"}' },
    };
    const first = redactor.redactData(event);
    expect(first['note']).toBe(`key ${REDACTED}`);
    expect(first['internalNote']).toBeUndefined();
    expect(first['email']).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(first['nested']).toEqual({ text: `{"password":"${REDACTED}"}` });
    for (let round = 0; round < 3; round++) expect(redactor.redactData(event)).toEqual(first);
    // A clean text seen before is still scanned as JSON where JSON is possible, and a secret never becomes clean.
    expect(redactor.redactString('success')).toBe('success');
    expect(redactor.redactString(secrets.github)).toBe(REDACTED);
    expect(redactor.redactString(secrets.github)).toBe(REDACTED);
  });

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
    expect(redacted).toContain('postgres://admin:[REDACTED]@db.internal:5432/app');
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

  it('closes the gaps found against the built packages (issue 17)', () => {
    const redactor = new Redactor();
    const value = 'Zq7vQ2mW9xK4pL8r';
    for (const key of [
      'aws_secret_access_key',
      'secretAccessKey',
      'AccountKey',
      'connectionString',
      'dsn',
      'session',
      'jwt',
      'private_key_id',
    ]) {
      expect(redactor.redact({ [key]: value }), key).toEqual({ [key]: REDACTED });
    }
    expect(redactor.redact({ code: `4/0A${value}` })).toEqual({ code: REDACTED });
    expect(redactor.redact({ tokens: { github: value, count: 2 }, secrets: [value] })).toEqual({
      tokens: { github: REDACTED, count: 2 },
      secrets: REDACTED,
    });
    const strings: [string, string][] = [
      [`{"access_token":"${value}"}`, `{"access_token":"${REDACTED}"}`],
      [`redis://:${value}@cache:6379`, `redis://:${REDACTED}@cache:6379`],
      [`Authorization: token ${value}`, `Authorization: ${REDACTED}`],
      [`x-api-key: ${value}`, `x-api-key: ${REDACTED}`],
      ['password: x', `password: ${REDACTED}`],
      [`OPENAI_API_KEY=${value}`, `OPENAI_API_KEY=${REDACTED}`],
      [`/f?sv=1&sig=${value}&se=2`, `/f?sv=1&sig=${REDACTED}&se=2`],
      [`/k?X-Amz-Signature=${value}`, `/k?X-Amz-Signature=${REDACTED}`],
      [`/cb?code=${value}&state=s`, `/cb?code=${REDACTED}&state=s`],
      ['sent Bearer abcdefghijklmnopqrstuvwxyzABCD', `sent Bearer ${REDACTED}`],
    ];
    for (const [input, expected] of strings) expect(redactor.redactString(input), input).toBe(expected);
    expect(redactor.redact({ headers: [['x-api-key', value]] })).toEqual({
      headers: [['x-api-key', REDACTED]],
    });
  });

  it('keeps token counts, error codes and source code that share names with secrets', () => {
    const redactor = new Redactor();
    const data = {
      tokenUsage: { inputTokens: 12, outputTokens: 3, totalTokens: 15 },
      usage: { total_tokens: 512, prompt_tokens: 500 },
      tokensSaved: 120,
      maxTokens: 1024,
      promptTokens: 9,
      fencingToken: 7,
      tokens: { input: 5, output: 3 },
      error: { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:6379' },
      arguments: { code: 'print("hi")\nprint(2)', statusCode: 404 },
      auth: false,
    };
    expect(redactor.redact(data)).toEqual(data);
    for (const text of [
      'input_tokens=120 output_tokens=45 total_tokens=165',
      'error code: ECONNREFUSED, exit code=1',
      'redis://cache.internal:6379/0 and ssh://git@github.com/acme/app.git',
      '{"model":"gpt-4o","usage":{"total_tokens":165}}',
      'The password must be 12 characters; the token expired.',
    ]) {
      expect(redactor.redactString(text)).toBe(text);
    }
  });

  it('redacts JSON held in a string as data, and is idempotent', () => {
    const redactor = new Redactor();
    const json = JSON.stringify({ env: [{ name: 'DB_PASSWORD', value: 'pw-1234567' }], keep: 'me' });
    const once = redactor.redactString(json);
    expect(JSON.parse(once)).toEqual({ env: [{ name: 'DB_PASSWORD', value: REDACTED }], keep: 'me' });
    expect(redactor.redactString(once)).toBe(once);
  });

  it('handles a 1 MB string and deep text without catastrophic backtracking', () => {
    const redactor = new Redactor();
    const filler = 'a-b_c.d=e:f/g+h'.repeat(70_000);
    const big = `${filler} password=hunter2 ${'x'.repeat(100_000)} eyJ${'A'.repeat(200_000)}`;
    const output = redactor.redactString(big);
    expect(output).not.toContain('hunter2');
    expect(output.length).toBeGreaterThan(1_000_000);
    const quotes = '"a":'.repeat(250_000);
    expect(redactor.redactString(quotes)).toBe(quotes);
  });
});
