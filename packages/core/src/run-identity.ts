import { InvalidOptionsError, TristackError } from './errors.js';
import { compositeKey } from './ids.js';
import type { ConversationAddress } from './conversation-memory/conversation-memory.js';
import type { RateLimitKey, RateLimiter } from './rate-limiter/rate-limiter.js';

/**
 * Who a run belongs to, as an orchestration adapter (LangChain, the AI SDK…) reads it from the
 * run's trusted, server-side context — never from model output.
 */
export interface RunIdentity {
  tenantId?: string;
  userId?: string;
  /** The conversation (thread) the run belongs to. */
  conversationId?: string;
  runId?: string;
}

const missingRunIdentityMarker = Symbol.for('tristack.error.MissingRunIdentityError');

/**
 * The run's identity lacks what a primitive needs to keep callers apart (a user for a per-user
 * limit, a tenant for a per-tenant one). Raised instead of falling back to a bucket every
 * anonymous caller would share. Each adapter says where the id goes (`where`).
 */
export class MissingRunIdentityError extends TristackError {
  private readonly [missingRunIdentityMarker] = true;
  readonly missing: string;
  constructor(what: string, missing: string, options: { driver: string; where?: string }) {
    super(
      'IDENTITY_REQUIRED',
      `${what} needs ${missing} in the run context${options.where ? ` (${options.where})` : ''}`,
      { driver: options.driver, details: { missing } },
    );
    this.missing = missing;
  }

  static override isInstance(error: unknown): error is MissingRunIdentityError {
    return TristackError.hasMarker(error, missingRunIdentityMarker);
  }
}

/** The scopes a key derived from the run's identity can fill. */
const IDENTITY_SCOPES = ['user', 'tenant', 'default'] as const;

export interface IdentityRateLimitKeys {
  /** The key of a model call. */
  model(identity: RunIdentity): RateLimitKey;
  /** The key of a tool call: every scope's id with the tool as one more typed part. */
  tool(identity: RunIdentity, toolName: string): RateLimitKey;
}

export interface IdentityRateLimitKeyOptions {
  /** The id of `provider`-scope rules: one budget for every caller. */
  provider?: string | undefined;
  /** Who asks (for error messages), e.g. `rateLimitMiddleware`. */
  what: string;
  /** The adapter, named in errors. */
  driver: string;
  /** The error a call lacking an id throws. @default a `MissingRunIdentityError` of `driver` */
  missingIdentity?: (what: string, missing: string) => Error;
}

/**
 * The limiter key of a call, derived from the limiter's rule scopes and the run's trusted
 * identity — one typed, encoded id per scope:
 * - `user`: `tenant=<t>:user=<u>` (a tenant-less user is `user=<u>`), so no user of one tenant
 *   shares a counter with a namesake elsewhere;
 * - `tenant`: `tenant=<t>`;
 * - `default` (rules without `scope`): `tenant=<t>`, or `user=<u>` for a tenant-less run — so a
 *   tenant-less user named `acme` never spends tenant `acme`'s budget;
 * - `provider`: `provider=<p>` (the `provider` given here), shared by every caller on purpose.
 *
 * A tool call adds `tool=<name>` as one more typed part. Every value is a `compositeKey`, never a
 * bare id. A run lacking the id a scope needs throws (`missingIdentity`) on the call; a scope no
 * id can fill throws `InvalidOptionsError` here, at construction.
 */
export function identityRateLimitKeys(
  limiter: RateLimiter,
  options: IdentityRateLimitKeyOptions,
): IdentityRateLimitKeys {
  const missing =
    options.missingIdentity ??
    ((what: string, id: string) => new MissingRunIdentityError(what, id, { driver: options.driver }));
  const scopes = [...new Set(limiter.limits.map((rule) => rule.scope))];
  for (const scope of scopes) {
    if ((IDENTITY_SCOPES as readonly string[]).includes(scope)) continue;
    if (scope === 'provider' && options.provider !== undefined) continue;
    throw new InvalidOptionsError(
      `${options.what}: the limiter has rules of scope '${scope}', which the default key cannot fill` +
        (scope === 'provider' ? ` (pass provider)` : '') +
        `; pass a key function`,
      { driver: options.driver, details: { scope } },
    );
  }
  const parts = (identity: RunIdentity, scope: string): [string, string | undefined][] => {
    const { tenantId, userId } = identity;
    switch (scope) {
      case 'user':
        if (userId === undefined) throw missing(`${options.what} (scope 'user')`, 'userId');
        return [
          ['tenant', tenantId],
          ['user', userId],
        ];
      case 'tenant':
        if (tenantId === undefined) throw missing(`${options.what} (scope 'tenant')`, 'tenantId');
        return [['tenant', tenantId]];
      case 'provider':
        return [['provider', options.provider]];
      default:
        if (tenantId !== undefined) return [['tenant', tenantId]];
        if (userId !== undefined) return [['user', userId]];
        throw missing(`${options.what} (scope 'default')`, 'tenantId or userId');
    }
  };
  const build = (identity: RunIdentity, extra: [string, string][]): RateLimitKey => {
    const key: Record<string, string> = {};
    for (const scope of scopes) key[scope] = compositeKey([...parts(identity, scope), ...extra]);
    return key;
  };
  return {
    model: (identity) => build(identity, []),
    tool: (identity, toolName) => build(identity, [['tool', toolName]]),
  };
}

/** How an adapter decides whose response cache a call uses. */
export interface CacheScopeOptions {
  /**
   * Whose cache a call uses: answers never cross tenants.
   * @default the run's tenant id, else `'default'`
   */
  tenant?: ((identity: RunIdentity) => string) | undefined;
  /**
   * Share answers between the users of a tenant (FAQ-style caches whose answers hold nothing
   * personal). Off by default: each user has their own scope, and a call whose run names no user
   * is not cached at all, since nothing tells its callers apart. Answers computed from tool
   * results are never shared, even with this on.
   * @default false
   */
  shareAcrossUsers?: boolean | undefined;
}

/** The tenant and user a cache request is scoped to. */
export interface CacheOwner {
  tenant: string;
  /** Absent only for a call shared across the tenant's users. */
  user?: string;
}

/**
 * Who owns a call's cache entry, or `undefined` when the call must not touch the cache: with
 * tool results (what a tool returned for this caller) the user is always part of the scope, and
 * without a known user only `shareAcrossUsers` allows a cache every caller shares.
 */
export function cacheOwnerOf(
  identity: RunIdentity,
  hasToolResults: boolean,
  options: CacheScopeOptions,
): CacheOwner | undefined {
  const tenant = options.tenant ? options.tenant(identity) : (identity.tenantId ?? 'default');
  if (options.shareAcrossUsers && !hasToolResults) return { tenant };
  if (identity.userId === undefined) return undefined;
  return { tenant, user: identity.userId };
}

/**
 * The conversation a run's memory lives in: its tenant, user and conversation, or `undefined`
 * (no memory) when the run names no user or no conversation. The memory middlewares' default.
 */
export function conversationAddressOf(
  identity: Pick<RunIdentity, 'tenantId' | 'userId' | 'conversationId'>,
): ConversationAddress | undefined {
  return identity.userId && identity.conversationId
    ? {
        userId: identity.userId,
        conversationId: identity.conversationId,
        ...(identity.tenantId ? { tenantId: identity.tenantId } : {}),
      }
    : undefined;
}
