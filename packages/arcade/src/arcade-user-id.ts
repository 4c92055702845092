import { encodeKeyPart } from '@tristack/core';

/** The trusted caller of a tool: from the authenticated session, never from model arguments. */
export interface ArcadeCaller {
  userId: string;
  tenantId?: string | undefined;
}

/**
 * Default mapping from a Tristack caller to Arcade's `user_id`: `encodeKeyPart(userId)`, or
 * `encodeKeyPart(tenantId):encodeKeyPart(userId)` with a tenant. `encodeKeyPart` is injective and
 * never writes `:`, so the one `:` splits tenant from user and two distinct callers never share an
 * Arcade identity (and so never share OAuth grants). Plain ids such as e-mail addresses map to
 * themselves, keeping their existing grants. Ids that are not well-formed UTF-16 (lone
 * surrogates) throw `InvalidInputError`.
 */
export function defaultArcadeUserId({ userId, tenantId }: ArcadeCaller): string {
  return tenantId === undefined
    ? encodeKeyPart(userId)
    : `${encodeKeyPart(tenantId)}:${encodeKeyPart(userId)}`;
}
