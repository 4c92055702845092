import { InvalidInputError } from '../errors.js';
import { checkJsonValue, MAX_PAYLOAD_DEPTH } from '../json-boundary.js';
import { unreadableInputError } from '../validation.js';

/** Most messages in one cache request (`lookup`/`store`). */
export const MAX_CACHE_REQUEST_MESSAGES = 1000;
/** Most UTF-8 bytes of a cache request as JSON: 4 MiB. */
export const MAX_CACHE_REQUEST_BYTES = 4 * 1024 * 1024;
/** Most UTF-8 bytes of a cached response as JSON: 4 MiB. */
export const MAX_CACHE_RESPONSE_BYTES = 4 * 1024 * 1024;

/**
 * Bounds a request before any schema, canonicalisation or embedding work: the message count first
 * (one property read, so a million messages are refused at once), then one walk without recursion
 * that stops at `MAX_CACHE_REQUEST_BYTES` or `MAX_PAYLOAD_DEPTH`. Throws `InvalidInputError`.
 */
export function checkCacheRequestSize(request: unknown, driver: string): void {
  let messages: unknown;
  let tooMany: boolean;
  try {
    messages =
      typeof request === 'object' && request !== null
        ? (request as { messages?: unknown }).messages
        : undefined;
    tooMany = Array.isArray(messages) && messages.length > MAX_CACHE_REQUEST_MESSAGES;
  } catch (error) {
    // A throwing getter or Proxy trap.
    throw unreadableInputError(error, request, { what: 'semantic cache request', driver });
  }
  if (tooMany)
    throw new InvalidInputError(
      `invalid semantic cache request: messages: ${(messages as unknown[]).length} messages, more than ${MAX_CACHE_REQUEST_MESSAGES}`,
      {
        driver,
        issues: [{ path: ['messages'], message: `more than ${MAX_CACHE_REQUEST_MESSAGES} messages` }],
      },
    );
  checkJsonValue(request, {
    what: 'semantic cache request',
    driver,
    maxDepth: MAX_PAYLOAD_DEPTH,
    maxBytes: MAX_CACHE_REQUEST_BYTES,
  });
}

/** Bounds a response to store the same way (`MAX_CACHE_RESPONSE_BYTES`, `MAX_PAYLOAD_DEPTH`). */
export function checkCachedResponseSize(response: unknown, driver: string): void {
  checkJsonValue(response, {
    what: 'cached response',
    driver,
    maxDepth: MAX_PAYLOAD_DEPTH,
    maxBytes: MAX_CACHE_RESPONSE_BYTES,
  });
}
