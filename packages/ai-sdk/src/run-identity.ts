import { AsyncLocalStorage } from 'node:async_hooks';
import {
  MissingRunIdentityError as CoreMissingRunIdentityError,
  type RunIdentity,
} from '@tristack/core/driver-kit';

export type { RunIdentity };

/**
 * Where a middleware reads who a call belongs to: a fixed identity (a model wrapped per request),
 * a function of nothing (your own request context), or — the default — the identity the server
 * set with `withRunIdentity` around the call. Never the call's prompt or `providerOptions`: the
 * messages may come from the client (UI messages carry provider options) or from the model.
 */
export type IdentitySource = RunIdentity | (() => RunIdentity | undefined);

const storage = new AsyncLocalStorage<RunIdentity>();

/**
 * Runs `fn` with `identity` as the trusted identity of every model call and tool call made inside
 * it (`generateText`, `streamText`, the stream's later reads included). Call it in your server,
 * after authenticating the caller.
 */
export function withRunIdentity<T>(identity: RunIdentity, fn: () => T): T {
  return storage.run({ ...identity }, fn);
}

/** The identity `withRunIdentity` set for the current call, if any. */
export function currentRunIdentity(): RunIdentity | undefined {
  return storage.getStore();
}

const IDENTITY_FIELDS = ['tenantId', 'userId', 'conversationId', 'runId'] as const;

/**
 * Reads an identity source once per call; an unset identity reads as `{}`. An empty id (`''`)
 * throws `MissingRunIdentityError`: it names nobody, and would otherwise pass every "is there a
 * user" check and share one bucket among every caller sending it.
 */
export function resolveIdentity(source: IdentitySource | undefined): RunIdentity {
  const identity = (typeof source === 'function' ? source() : (source ?? currentRunIdentity())) ?? {};
  for (const field of IDENTITY_FIELDS)
    if (identity[field] === '')
      throw new MissingRunIdentityError(`the run identity (${field} is empty)`, field);
  return identity;
}

/**
 * The call's identity lacks what a primitive needs to keep callers apart (a user for a per-user
 * limit or cache, a tenant for a per-tenant one): raised instead of sharing one bucket among
 * every anonymous caller. `isInstance` matches the LangChain adapter's error too.
 */
export class MissingRunIdentityError extends CoreMissingRunIdentityError {
  constructor(what: string, missing: string) {
    super(what, missing, { driver: 'ai-sdk', where: `withRunIdentity({ ${missing} })` });
  }
}
