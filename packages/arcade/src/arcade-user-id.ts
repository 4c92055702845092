import { escapeKeyPart } from '@tristack/core';

/** The trusted caller of a tool: from the authenticated session, never from model arguments. */
export interface ArcadeCaller {
  userId: string;
  tenantId?: string | undefined;
}

/**
 * Default mapping from a Tristack caller to Arcade's `user_id`: the user id, prefixed by the
 * tenant when there is one. Both parts are escaped, so the mapping is injective: two distinct
 * callers never share an Arcade identity (and so never share OAuth grants).
 */
export function defaultArcadeUserId({ userId, tenantId }: ArcadeCaller): string {
  return tenantId === undefined
    ? escapeKeyPart(userId)
    : `${escapeKeyPart(tenantId)}:${escapeKeyPart(userId)}`;
}
