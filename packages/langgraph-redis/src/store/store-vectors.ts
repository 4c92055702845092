import { getTextAtPath, type IndexConfig, type PutOperation } from '@langchain/langgraph-checkpoint';
import { InvalidInputError, InvalidOptionsError, TristackError } from '@tristack/core';
import type { RedisConnection } from '@tristack/redis';

const DRIVER = 'langgraph-redis';
/** Separates an item's field from the path of the text a vector was embedded from. */
export const ELEMENT_SEPARATOR = '\x02';

/** One vector to add: the Vector Set element `<item field>\x02<path>` and its FP32 blob. */
export interface ItemVector {
  element: string;
  blob: Buffer;
}

/** Checks `index` (LangGraph's `IndexConfig`) and tokenizes its fields once. */
export function checkIndexConfig(index: IndexConfig): { config: IndexConfig; fields: string[] } {
  const valid =
    typeof index === 'object' &&
    index !== null &&
    Number.isInteger(index.dims) &&
    index.dims > 0 &&
    typeof index.embeddings?.embedDocuments === 'function' &&
    typeof index.embeddings?.embedQuery === 'function' &&
    (index.fields === undefined ||
      (Array.isArray(index.fields) && index.fields.every((f) => typeof f === 'string')));
  if (!valid)
    throw new InvalidOptionsError(
      'invalid RedisStore options: index: expected { dims: positive integer, embeddings: Embeddings, fields?: string[] }',
      { driver: DRIVER },
    );
  return { config: index, fields: index.fields ?? ['$'] };
}

/** The texts of one put to embed, each with its element name (`<path>` or `<path>.<i>`, as InMemoryStore). */
function textsOf(put: PutOperation, field: string, defaults: string[]): { element: string; text: string }[] {
  if (put.value === null || put.index === false) return [];
  const texts: { element: string; text: string }[] = [];
  for (const path of put.index ?? defaults) {
    // '$' is the whole document (getTextAtPath only reads string leaves).
    const found = path === '$' ? [JSON.stringify(put.value)] : getTextAtPath(put.value, path);
    found.forEach((text, index) =>
      texts.push({
        element: `${field}${ELEMENT_SEPARATOR}${found.length > 1 ? `${path}.${index}` : path}`,
        text,
      }),
    );
  }
  return texts;
}

export function toBlob(vector: number[], dims: number): Buffer {
  if (!Array.isArray(vector) || vector.length !== dims || !vector.every(Number.isFinite))
    throw new InvalidInputError(
      `the embeddings returned a vector of ${Array.isArray(vector) ? vector.length : 'no'} dimensions; index.dims is ${dims}`,
      { driver: DRIVER },
    );
  return Buffer.from(new Float32Array(vector).buffer);
}

/** Embeds the texts of every put in one `embedDocuments` call; returns the vectors per field. */
export async function embedPuts(
  puts: { put: PutOperation; field: string }[],
  index: { config: IndexConfig; fields: string[] },
): Promise<Map<string, ItemVector[]>> {
  const pending = puts.flatMap(({ put, field }) =>
    textsOf(put, field, index.fields).map((text) => ({ ...text, field })),
  );
  const vectors = new Map<string, ItemVector[]>();
  if (pending.length === 0) return vectors;
  const embedded = await index.config.embeddings.embedDocuments(pending.map(({ text }) => text));
  pending.forEach(({ field, element }, position) => {
    const list = vectors.get(field) ?? [];
    list.push({ element, blob: toBlob(embedded[position]!, index.config.dims) });
    vectors.set(field, list);
  });
  return vectors;
}

/**
 * Rejects an index on a server without Vector Sets (Redis < 8, Valkey): a `query` must not be
 * silently ignored. COMMAND INFO works where MODULE LIST is not allowed.
 */
export async function requireVectorSets(connection: RedisConnection): Promise<void> {
  const reply = await connection.sendCommand(['COMMAND', 'INFO', 'VSIM']);
  if (Array.isArray(reply) && reply.length > 0 && reply[0] !== null && reply[0] !== undefined) return;
  const info = String(await connection.sendCommand(['INFO', 'server']));
  const valkey = /valkey_version:([\d.]+)/.exec(info)?.[1];
  const server = valkey ? `Valkey ${valkey}` : `Redis ${/redis_version:([\d.]+)/.exec(info)?.[1] ?? '?'}`;
  throw new TristackError(
    'UNSUPPORTED',
    `RedisStore index (vector search) needs Vector Sets (VADD/VSIM, Redis >= 8); ${server} does not have them. ` +
      'Remove the index option to use filter search only.',
    { driver: DRIVER, details: { server } },
  );
}
