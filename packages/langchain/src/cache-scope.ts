import type { BaseMessage } from '@langchain/core/messages';
import { isToolResultMessage } from './message-conversion.js';
import { cacheOwnerOf, type CacheOwner, type CacheScopeOptions } from '@tristack/core/driver-kit';
import type { RunIdentity } from './run-context.js';

export type { CacheScopeOptions, CacheOwner };

/**
 * Who owns a call's cache entry, or `undefined` when the call must not touch the cache: with
 * tool results (what a tool returned for this caller) the user is always part of the scope, and
 * without a known user only `shareAcrossUsers` allows a cache every caller shares.
 */
export function cacheOwner(
  identity: RunIdentity,
  messages: readonly BaseMessage[],
  options: CacheScopeOptions,
): CacheOwner | undefined {
  // ToolMessage, legacy FunctionMessage and ChatMessage({ role: 'tool' | 'function' }) alike.
  return cacheOwnerOf(identity, messages.some(isToolResultMessage), options);
}
