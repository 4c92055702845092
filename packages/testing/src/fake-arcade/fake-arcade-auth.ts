import { randomBytes } from 'node:crypto';
import type { Clock } from '@tristack/core';
import type { WireAuthorizationResponse, WireAuthorizationStatus } from './wire-types.js';

/** One user's stored OAuth connection to one provider (what `user_connections` lists). */
export interface FakeGrant {
  connectionId: string;
  userId: string;
  providerId: string;
  providerType: string;
  scopes: Set<string>;
  token: string;
  tokenExpiresAt: number;
  /** False once the provider revoked the refresh token: an expired grant then needs new consent. */
  refreshable: boolean;
  refreshCount: number;
}

export interface FakeAuthorization {
  id: string;
  userId: string;
  providerId: string;
  providerType: string;
  scopes: string[];
  status: WireAuthorizationStatus;
  nextUri: string | undefined;
}

const grantKey = (userId: string, providerId: string): string => JSON.stringify([userId, providerId]);

/**
 * The OAuth side of the fake engine: authorizations (consent flows), grants per user and
 * provider, token expiry and refresh, revocation. Per-user isolation is structural: every
 * lookup is keyed by the user id.
 */
export class FakeArcadeAuth {
  private readonly grants = new Map<string, FakeGrant>();
  private readonly authorizations = new Map<string, FakeAuthorization>();
  private readonly waiters = new Map<string, Set<() => void>>();
  private readonly tokens: string[] = [];
  private sequence = 0;

  constructor(
    private readonly clock: Clock,
    private readonly tokenTtlMs: number,
    private readonly consentUrl: (authorizationId: string) => string,
  ) {}

  /** Every access token this server ever issued (to prove none leaks into logs or audit). */
  get issuedTokens(): readonly string[] {
    return this.tokens;
  }

  private newToken(): string {
    const token = `arcade-fake-token-${randomBytes(12).toString('hex')}`;
    this.tokens.push(token);
    return token;
  }

  /** The user's live grant for a provider, refreshing an expired token when the grant allows it. */
  grant(userId: string, providerId: string): FakeGrant | undefined {
    const key = grantKey(userId, providerId);
    const grant = this.grants.get(key);
    if (!grant || grant.tokenExpiresAt > this.clock.now()) return grant;
    if (!grant.refreshable) {
      this.grants.delete(key);
      return undefined;
    }
    grant.token = this.newToken();
    grant.tokenExpiresAt = this.clock.now() + this.tokenTtlMs;
    grant.refreshCount++;
    return grant;
  }

  covers(userId: string, providerId: string, scopes: readonly string[]): boolean {
    const grant = this.grant(userId, providerId);
    return grant !== undefined && scopes.every((scope) => grant.scopes.has(scope));
  }

  listGrants(): FakeGrant[] {
    return [...this.grants.values()];
  }

  /**
   * Starts (or reuses) a consent flow for `scopes`, merged with what the user already granted.
   * Completed at once when the grant already covers them.
   */
  request(
    userId: string,
    providerId: string,
    providerType: string,
    scopes: readonly string[],
    nextUri: string | undefined,
  ): FakeAuthorization {
    const grant = this.grant(userId, providerId);
    const granted = grant?.scopes ?? new Set<string>();
    const wanted = [...new Set([...granted, ...scopes])].sort();
    const covered = grant !== undefined && scopes.every((scope) => granted.has(scope));
    for (const existing of this.authorizations.values()) {
      const same =
        existing.userId === userId &&
        existing.providerId === providerId &&
        existing.scopes.join(' ') === wanted.join(' ');
      if (same && (existing.status === 'pending' || (existing.status === 'completed' && covered)))
        return existing;
    }
    const authorization: FakeAuthorization = {
      id: `ac_${++this.sequence}${randomBytes(4).toString('hex')}`,
      userId,
      providerId,
      providerType,
      scopes: wanted,
      status: covered ? 'completed' : 'pending',
      nextUri,
    };
    this.authorizations.set(authorization.id, authorization);
    return authorization;
  }

  find(id: string): FakeAuthorization | undefined {
    return this.authorizations.get(id);
  }

  /** The user consented: the grant gains the requested scopes. */
  complete(id: string): FakeAuthorization | undefined {
    const authorization = this.authorizations.get(id);
    if (!authorization || authorization.status !== 'pending') return authorization;
    const key = grantKey(authorization.userId, authorization.providerId);
    const grant = this.grant(authorization.userId, authorization.providerId);
    if (grant) {
      for (const scope of authorization.scopes) grant.scopes.add(scope);
    } else {
      this.grants.set(key, {
        connectionId: `uc_${++this.sequence}`,
        userId: authorization.userId,
        providerId: authorization.providerId,
        providerType: authorization.providerType,
        scopes: new Set(authorization.scopes),
        token: this.newToken(),
        tokenExpiresAt: this.clock.now() + this.tokenTtlMs,
        refreshable: true,
        refreshCount: 0,
      });
    }
    authorization.status = 'completed';
    this.notify(id);
    return authorization;
  }

  /** The user denied consent (or the provider failed the flow). */
  fail(id: string): FakeAuthorization | undefined {
    const authorization = this.authorizations.get(id);
    if (!authorization || authorization.status !== 'pending') return authorization;
    authorization.status = 'failed';
    this.notify(id);
    return authorization;
  }

  /** Deletes the user's connection to a provider (like `DELETE /v1/admin/user_connections/{id}`). */
  revoke(userId: string, providerId: string): boolean {
    return this.grants.delete(grantKey(userId, providerId));
  }

  revokeConnection(connectionId: string): boolean {
    const grant = [...this.grants.values()].find((item) => item.connectionId === connectionId);
    return grant ? this.revoke(grant.userId, grant.providerId) : false;
  }

  /** Makes the access token expired now; `refreshable: false` also kills the refresh token. */
  expireToken(userId: string, providerId: string, options: { refreshable: boolean }): boolean {
    const grant = this.grants.get(grantKey(userId, providerId));
    if (!grant) return false;
    grant.tokenExpiresAt = this.clock.now() - 1;
    grant.refreshable = options.refreshable;
    return true;
  }

  /** The wire `AuthorizationResponse`; `context.token` only once completed, as the engine does. */
  toWire(authorization: FakeAuthorization): WireAuthorizationResponse {
    const base = {
      id: authorization.id,
      provider_id: authorization.providerId,
      user_id: authorization.userId,
      scopes: authorization.scopes,
      status: authorization.status,
    };
    if (authorization.status === 'pending') return { ...base, url: this.consentUrl(authorization.id) };
    if (authorization.status !== 'completed') return base;
    const grant = this.grant(authorization.userId, authorization.providerId);
    if (!grant) return { ...base, status: 'failed' };
    return { ...base, context: { token: grant.token, user_info: { id: authorization.userId } } };
  }

  /** Resolves when the authorization changes state or after `ms`, whichever comes first. */
  waitForChange(id: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const set = this.waiters.get(id) ?? new Set();
      this.waiters.set(id, set);
      const done = () => {
        clearTimeout(timer);
        set.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      set.add(done);
    });
  }

  /** Releases every long poll (server shutdown). */
  releaseWaiters(): void {
    for (const set of this.waiters.values()) for (const done of set) done();
  }

  private notify(id: string): void {
    for (const done of this.waiters.get(id) ?? []) done();
  }
}
