import { createHash } from 'node:crypto';
import { z } from 'zod';
import { InvalidInputError } from './errors.js';
import { unreadableInputError } from './validation.js';

/** Longest id accepted for users, tenants, conversations, streams and other caller-supplied names. */
export const MAX_ID_LENGTH = 256;

// Control characters (C0, DEL, C1) never belong in an id: they break logs and key parsing.
// oxlint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;

// A lone UTF-16 surrogate has no UTF-8 form: the client would send U+FFFD, so two ids would meet
// on one key, and on a cluster the client and the server would hash different bytes.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** True when `value` is well-formed UTF-16 (no lone surrogate), so it has exactly one UTF-8 form. */
export function isWellFormedText(value: string): boolean {
  return !LONE_SURROGATE.test(value);
}

/** zod schema for a caller-supplied id: non-empty, bounded, well-formed, no control characters. */
export const idSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(MAX_ID_LENGTH, `must be at most ${MAX_ID_LENGTH} characters`)
  .refine((value) => !CONTROL_CHARACTERS.test(value), 'must not contain control characters')
  .refine(isWellFormedText, 'must be well-formed UTF-16 (no lone surrogate)');

/** Validates an id; throws `InvalidInputError` naming the field. */
export function validateId(value: unknown, field: string, driver?: string): string {
  let issues: readonly z.core.$ZodIssue[];
  try {
    const result = idSchema.safeParse(value);
    if (result.success) return result.data;
    issues = result.error.issues; // built lazily: they read the value too
  } catch (error) {
    // A Proxy whose traps throw (or a revoked one) in place of an id.
    throw unreadableInputError(error, value, { what: field, driver });
  }
  throw new InvalidInputError(`invalid ${field}: ${issues[0]?.message ?? 'invalid id'}`, {
    driver,
    issues: issues.map((issue) => ({ path: [field, ...issue.path], message: issue.message })),
  });
}

// Bytes kept as they are: RFC 3986's unreserved set plus `@` and `+`, so e-mail addresses (the
// most common user id) stay readable in keys and keep their Arcade user id. Everything else —
// `%`, `:`, `{`, `}`, glob characters, `=`, whitespace of every class, non-ASCII — is `%XX` per
// UTF-8 byte, always two upper-case hex digits.
const PLAIN = /^[A-Za-z0-9\-._~@+]*$/;
const PLAIN_BYTE = new Uint8Array(128);
for (const character of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~@+')
  PLAIN_BYTE[character.charCodeAt(0)] = 1;
const HEX = '0123456789ABCDEF';
const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const ENCODED = /^(?:[A-Za-z0-9\-._~@+]|%[0-9A-F]{2})*$/;

/**
 * The one encoding of an id inside a key, an Arcade `user_id`, a thread id or any composite key:
 * percent-encoding of the id's UTF-8 bytes outside `[A-Za-z0-9-._~@+]`, two hex digits per byte.
 * Injective (`decodeKeyPart(encodeKeyPart(x)) === x`), and its output never holds `:`, `{`, `}`,
 * `=`, `*`, `?`, `[`, `]`, `\` or whitespace, so it cannot add a key segment, close a hash tag or
 * act as a glob. Ids that are not well-formed UTF-16 are rejected with `InvalidInputError`.
 */
export function encodeKeyPart(id: string): string {
  if (PLAIN.test(id)) return id;
  if (!isWellFormedText(id))
    throw new InvalidInputError('invalid id: must be well-formed UTF-16 (no lone surrogate)', {
      issues: [{ path: [], message: 'must be well-formed UTF-16 (no lone surrogate)' }],
    });
  let out = '';
  for (const byte of utf8.encode(id))
    out +=
      byte < 128 && PLAIN_BYTE[byte] === 1
        ? String.fromCharCode(byte)
        : `%${HEX[byte >> 4]}${HEX[byte & 15]}`;
  return out;
}

/**
 * Exact inverse of `encodeKeyPart`: reads two upper-case hex digits per `%`, and throws
 * `InvalidInputError` on anything `encodeKeyPart` cannot have written (so a tampered or foreign
 * key is reported, never decoded to a wrong id).
 */
export function decodeKeyPart(part: string): string {
  if (PLAIN.test(part)) return part;
  if (!ENCODED.test(part)) throw notAnEncodedPart(part);
  const bytes: number[] = [];
  for (let index = 0; index < part.length; index++) {
    if (part[index] === '%') {
      bytes.push(Number.parseInt(part.slice(index + 1, index + 3), 16));
      index += 2;
    } else bytes.push(part.charCodeAt(index));
  }
  let decoded: string;
  try {
    decoded = strictUtf8.decode(Uint8Array.from(bytes));
  } catch {
    throw notAnEncodedPart(part);
  }
  // Canonical form only: `%41` for `A` would decode, but encodeKeyPart never writes it.
  if (encodeKeyPart(decoded) !== part) throw notAnEncodedPart(part);
  return decoded;
}

function notAnEncodedPart(part: string): InvalidInputError {
  return new InvalidInputError(`not an encoded key part: ${JSON.stringify(part.slice(0, 80))}`);
}

/** One typed part of a composite key: its kind (`tenant`, `user`, `conversation`, …) and id. */
export type KeyPart = readonly [kind: string, id: string | undefined];

const KIND = /^[a-z][a-z0-9-]*$/;

/**
 * A composite id built from typed parts, each encoded: `tenant=acme:user=bob`. Parts whose id is
 * `undefined` are left out, and every part names its kind, so `(tenant acme, user x)`, a
 * tenant-less user `acme:x` and a tenant `acme` alone never share a key. Use it wherever
 * several ids make one key; never join ids by hand.
 *
 * Encoding can lengthen an id (up to 12 characters per non-ASCII character), and a composite
 * key is itself an id of the primitives it keys (limiter keys, lease resources, breaker names:
 * at most `MAX_ID_LENGTH`). A longer key is replaced by `sha256=<hex of the full key>`: still
 * one id per tuple, and no extra limit on the ids themselves. `sha256` is reserved as a kind.
 */
export function compositeKey(parts: readonly KeyPart[]): string {
  const out: string[] = [];
  for (const [kind, id] of parts) {
    if (!KIND.test(kind) || kind === HASHED_KIND)
      throw new InvalidInputError(`invalid key part kind: ${JSON.stringify(kind)}`);
    if (id !== undefined) out.push(`${kind}=${encodeKeyPart(id)}`);
  }
  const key = out.join(':');
  return key.length <= MAX_ID_LENGTH
    ? key
    : `${HASHED_KIND}=${createHash('sha256').update(key).digest('hex')}`;
}

const HASHED_KIND = 'sha256';

/** Inverse of `compositeKey`: the parts in order, decoded (a hashed key gives `[['sha256', hex]]`). */
export function parseCompositeKey(key: string): [kind: string, id: string][] {
  if (key === '') return [];
  return key.split(':').map((segment) => {
    const equals = segment.indexOf('=');
    const kind = segment.slice(0, equals);
    if (equals < 1 || !KIND.test(kind)) throw notAnEncodedPart(key);
    return [kind, decodeKeyPart(segment.slice(equals + 1))];
  });
}
