import { escapeKeyPart } from '@tristack/core';

/** Default first segment of every key Tristack writes. */
export const DEFAULT_KEY_PREFIX = 'tristack';

/**
 * Builds `<prefix>:<primitive>:{<tag>}:<part>:<part>…`. The hash tag holds the escaped owner ids,
 * so every key of one owner lands in one cluster slot and one script can touch them all.
 * Ids are escaped: no id can close the tag, add a segment or act as a glob.
 */
export function redisKey(
  prefix: string,
  primitive: string,
  tag: readonly string[] | string,
  ...parts: readonly string[]
): string {
  const tagText = (Array.isArray(tag) ? tag : [tag as string]).map(escapeKeyPart).join(':');
  const tail = parts.map(escapeKeyPart).join(':');
  return `${prefix}:${primitive}:{${tagText}}${tail ? `:${tail}` : ''}`;
}
