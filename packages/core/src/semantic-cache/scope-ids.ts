import { encodeKeyPart } from '../ids.js';
import type { SemanticCacheRequest } from './types.js';

/** The identity parts of a request's scope, each in its key encoding. */
export interface ExactScopeIds {
  tenant: string;
  user?: string;
  model: string;
  tags: Record<string, string>;
}

/**
 * Tenant, user, model and every tag key and value as `encodeKeyPart` writes them: plain ASCII,
 * one spelling per string, so the NFC and line-end normalisation `canonicalJson` applies to prompt
 * text cannot touch them. Ids are scope, not text: `é` and `e\u0301`, `Å` and `\u212B`,
 * `alice\u2000` and `alice\u2002`, or tag values `alice\r` and `alice\n` are different scopes and
 * never share an answer. Input must be well-formed (the request schema rejects lone surrogates).
 */
export function exactScopeIds(request: SemanticCacheRequest): ExactScopeIds {
  return {
    tenant: encodeKeyPart(request.tenant),
    // Left out when absent, so a user-less request keeps its own (shared) scope.
    ...(request.user !== undefined ? { user: encodeKeyPart(request.user) } : {}),
    model: encodeKeyPart(request.model),
    tags: Object.fromEntries(
      Object.entries(request.tags ?? {}).map(([key, value]) => [encodeKeyPart(key), encodeKeyPart(value)]),
    ),
  };
}
