import { encodeKeyPart, InvalidInputError } from '@tristack/core';

/** Default first segment of every key Tristack writes. */
export const DEFAULT_KEY_PREFIX = 'tristack';

/**
 * Builds `<prefix>:<primitive>:{<tag>}:<part>:<part>…`. The hash tag holds the encoded owner ids,
 * so every key of one owner lands in one cluster slot and one script can touch them all.
 * Ids go through `encodeKeyPart`: no id can close the tag, add a segment or act as a glob, and
 * distinct ids give distinct keys. The only way library code may put an id into a key.
 */
export function redisKey(
  prefix: string,
  primitive: string,
  tag: readonly string[] | string,
  ...parts: readonly string[]
): string {
  const tagText = (Array.isArray(tag) ? tag : [tag as string]).map(encodeKeyPart).join(':');
  // `{}` is no hash tag to Redis: the whole key would be hashed and one owner's keys would scatter.
  if (tagText === '') throw new InvalidInputError('invalid key: the hash tag must not be empty');
  const tail = parts.map(encodeKeyPart).join(':');
  return `${prefix}:${primitive}:{${tagText}}${tail ? `:${tail}` : ''}`;
}
