import { InvalidInputError } from '@tristack/core';
import type { SerializerProtocol } from '@langchain/langgraph-checkpoint';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Turns `serde.dumpsTyped(value)` into one Redis string: `t<type>\0<text>` when the bytes are
 * UTF-8 (the JSON serializer's output, stored readable), else `b<type>\0<base64>`. Replies come
 * back as UTF-8 strings, so arbitrary bytes (an encrypting serde) must not be stored raw.
 */
export async function encodeValue(serde: SerializerProtocol, value: unknown): Promise<string> {
  let type: string;
  let bytes: Uint8Array | string;
  try {
    [type, bytes] = await serde.dumpsTyped(value);
  } catch (error) {
    // A value the serializer cannot write (nested too deep for its recursion, a throwing getter):
    // the caller's input, rejected before anything is sent.
    const reason = error instanceof Error ? error.message : String(error);
    throw new InvalidInputError(
      `invalid value: the serializer could not write it (${reason.slice(0, 200)})`,
      {
        driver: 'langgraph-redis',
      },
    );
  }
  if (typeof bytes === 'string') return `t${type}\0${bytes}`;
  try {
    return `t${type}\0${utf8.decode(bytes)}`;
  } catch {
    return `b${type}\0${Buffer.from(bytes).toString('base64')}`;
  }
}

/** Inverse of `encodeValue`. */
export async function decodeValue(serde: SerializerProtocol, stored: string): Promise<unknown> {
  const separator = stored.indexOf('\0');
  const type = stored.slice(1, separator);
  const payload = stored.slice(separator + 1);
  return serde.loadsTyped(
    type,
    stored[0] === 'b' ? new Uint8Array(Buffer.from(payload, 'base64')) : new TextEncoder().encode(payload),
  );
}
