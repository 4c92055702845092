import { createHmac, timingSafeEqual } from 'node:crypto';
import { validateId } from '@tristack/core';

/** Who a request runs as: only ever read from a token the server signed, never from the request body. */
export interface Session {
  readonly tenantId: string;
  readonly userId: string;
}

/** The server secret the tokens are signed with: `SESSION_SECRET` (at least 32 characters). */
export function sessionSecretFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  const secret = env['SESSION_SECRET'];
  if (secret === undefined || secret.length < 32)
    throw new Error('[multi-worker] SESSION_SECRET must be set to at least 32 characters');
  return secret;
}

const DEFAULT_TTL_MS = 60 * 60 * 1000;

const sign = (payload: string, secret: string) =>
  createHmac('sha256', secret).update(payload).digest('base64url');

/**
 * A bearer token for `(tenantId, userId)`: `<base64url JSON payload>.<base64url HMAC-SHA256>`.
 * In a real deployment your login flow issues it; here the demo client and the tests do.
 */
export function issueSessionToken(
  userId: string,
  tenantId: string,
  secret: string = sessionSecretFromEnv(),
  ttlMs: number = DEFAULT_TTL_MS,
): string {
  const payload = Buffer.from(
    JSON.stringify({
      tenantId: validateId(tenantId, 'tenantId'),
      userId: validateId(userId, 'userId'),
      expiresAt: Date.now() + ttlMs,
    }),
  ).toString('base64url');
  return `${payload}.${sign(payload, secret)}`;
}

/** The session a token proves, or `undefined` for a missing, tampered, foreign or expired token. */
export function verifySessionToken(token: string | undefined, secret: string): Session | undefined {
  if (!token) return undefined;
  const [payload, signature, ...rest] = token.split('.');
  if (!payload || !signature || rest.length > 0) return undefined;
  const expected = Buffer.from(sign(payload, secret));
  const given = Buffer.from(signature);
  // Same length first: timingSafeEqual throws otherwise, and the length of an HMAC is no secret.
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    if (typeof claims['expiresAt'] !== 'number' || claims['expiresAt'] <= Date.now()) return undefined;
    return {
      tenantId: validateId(claims['tenantId'], 'tenantId'),
      userId: validateId(claims['userId'], 'userId'),
    };
  } catch {
    return undefined;
  }
}
