import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '@tristack/core';
import { issueSessionToken, sessionSecretFromEnv, verifySessionToken } from './session.js';

const SECRET = 'session-test-secret-of-32-characters-or-more';

describe('session tokens', () => {
  it('round-trips the tenant and user, hostile ids included', () => {
    for (const [userId, tenantId] of [
      ['alice@example.com', 'acme'],
      ['x:y', 'acme'],
      ['alice\u2000', 'acme:x'],
      ['bob.{1}', 'globex'],
    ] as const)
      expect(verifySessionToken(issueSessionToken(userId, tenantId, SECRET), SECRET)).toEqual({
        tenantId,
        userId,
      });
  });

  it('rejects missing, malformed, tampered, foreign and expired tokens', () => {
    const token = issueSessionToken('alice', 'acme', SECRET);
    const [payload, signature] = token.split('.') as [string, string];
    const bobPayload = Buffer.from(
      JSON.stringify({ tenantId: 'acme', userId: 'bob', expiresAt: Date.now() + 60_000 }),
    ).toString('base64url');
    const flipped = signature.slice(0, -1) + (signature.endsWith('A') ? 'B' : 'A');
    for (const bad of [
      undefined,
      '',
      payload,
      `${payload}.`,
      `${token}.extra`,
      `${bobPayload}.${signature}`,
      `${payload}.${flipped}`,
      `${payload}.${signature.slice(0, 10)}`,
      issueSessionToken('alice', 'acme', 'another-secret-of-32-characters-or-more!'),
      issueSessionToken('alice', 'acme', SECRET, -1),
    ])
      expect(verifySessionToken(bad, SECRET)).toBeUndefined();
    expect(verifySessionToken(token, SECRET)).toEqual({ tenantId: 'acme', userId: 'alice' });
  });

  it('issues no token for an invalid id (lone surrogate, empty)', () => {
    expect(() => issueSessionToken('bob\uD800', 'acme', SECRET)).toThrow(InvalidInputError);
    expect(() => issueSessionToken('', 'acme', SECRET)).toThrow(InvalidInputError);
  });

  it('requires a SESSION_SECRET of at least 32 characters', () => {
    expect(() => sessionSecretFromEnv({})).toThrow(/SESSION_SECRET/);
    expect(() => sessionSecretFromEnv({ SESSION_SECRET: 'short' })).toThrow(/SESSION_SECRET/);
    expect(sessionSecretFromEnv({ SESSION_SECRET: SECRET })).toBe(SECRET);
  });
});
