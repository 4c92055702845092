import { setTimeout as sleep } from 'node:timers/promises';
import { APIConnectionTimeoutError, APIError, APIUserAbortError, type Arcade } from '@arcadeai/arcadejs';
import { AbortedError, BackendUnavailableError } from '@tristack/core';
import type { AuthorizationWaitResult } from '@tristack/core';

/** The longest `wait` the engine honours is 59 s; the client's own loop uses 45. */
const LONG_POLL_SECONDS = 45;
/** Pause between polls when less than a second is left (no long poll possible). */
const SHORT_POLL_MS = 200;

export interface WaitForArcadeAuthorizationOptions {
  authorizationId: string;
  /** The Arcade user the authorization must belong to: another user's id answers `failed`. */
  arcadeUserId: string;
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  driver: string;
}

/**
 * Long-polls `GET /v1/auth/status` until the authorization completes or fails, or the deadline
 * passes. Unlike the client's `auth.waitForCompletion` it treats `failed` as final (that loop
 * spins forever on it), has a deadline and an abort signal, and keeps each request's timeout
 * above its `wait`.
 */
export async function waitForArcadeAuthorization(
  client: Arcade,
  options: WaitForArcadeAuthorizationOptions,
): Promise<AuthorizationWaitResult> {
  const { authorizationId, signal } = options;
  const deadline = Date.now() + options.timeoutMs;
  const settle = (status: AuthorizationWaitResult['status'], scopes?: string[]): AuthorizationWaitResult => ({
    authorizationId,
    status,
    ...(scopes ? { scopes } : {}),
  });
  for (;;) {
    if (signal?.aborted)
      throw new AbortedError('waiting for authorization aborted', { driver: options.driver });
    const remaining = deadline - Date.now();
    if (remaining <= 0) return settle('pending');
    const wait = Math.min(LONG_POLL_SECONDS, Math.floor(remaining / 1000));
    try {
      const response = await client.auth.status(
        { id: authorizationId, ...(wait > 0 ? { wait } : {}) },
        { timeout: wait * 1000 + 15_000, signal: signal ?? null },
      );
      if (response.user_id !== undefined && response.user_id !== options.arcadeUserId)
        return settle('failed');
      if (response.status === 'completed') return settle('completed', response.scopes);
      if (response.status === 'failed') return settle('failed', response.scopes);
    } catch (error) {
      if (error instanceof APIUserAbortError) {
        throw new AbortedError('waiting for authorization aborted', {
          driver: options.driver,
          cause: error,
        });
      }
      if (error instanceof APIError && (error.status === 404 || error.status === 400))
        return settle('failed');
      // A 408 (older engines end a long poll with it) or a client timeout: poll again if time is left.
      const expired =
        error instanceof APIConnectionTimeoutError || (error instanceof APIError && error.status === 408);
      if (!expired) {
        throw new BackendUnavailableError('could not check the authorization status', {
          driver: options.driver,
          cause: error,
        });
      }
    }
    // An abort ends the pause early; the loop then sees the aborted signal.
    if (wait === 0)
      await sleep(Math.min(SHORT_POLL_MS, Math.max(deadline - Date.now(), 0)), undefined, { signal }).catch(
        () => undefined,
      );
  }
}
