import type { RedisConnection } from '@tristack/core/driver-kit';
import { isServerReplyError } from '../connection.js';

/** One KNN candidate: the entry key, its cosine similarity and its match text (when stored). */
export interface SearchCandidate {
  key: string;
  cosine: number;
  matchText?: string;
}

function candidate(key: unknown, attributes: unknown): SearchCandidate {
  const matchText = field(attributes, 'match');
  return {
    key: String(key),
    cosine: 1 - Number(field(attributes, 'distance')),
    ...(matchText === undefined || matchText === null ? {} : { matchText: String(matchText) }),
  };
}

function field(record: unknown, name: string): unknown {
  if (record instanceof Map) return record.get(name);
  if (Array.isArray(record)) {
    for (let index = 0; index + 1 < record.length; index += 2)
      if (String(record[index]) === name) return record[index + 1];
    return undefined;
  }
  return typeof record === 'object' && record !== null
    ? (record as Record<string, unknown>)[name]
    : undefined;
}

/** FT.SEARCH replies: RESP2 `[total, key, [field, value…], …]` or RESP3 `{ results: [{ id, extra_attributes }] }`. */
export function parseSearchReply(reply: unknown): SearchCandidate[] {
  const candidates: SearchCandidate[] = [];
  if (Array.isArray(reply)) {
    for (let index = 1; index + 1 < reply.length; index += 2) {
      candidates.push(candidate(reply[index], reply[index + 1]));
    }
    return candidates;
  }
  const results = field(reply, 'results');
  if (!Array.isArray(results))
    throw new Error(`[tristack] [redis] unexpected FT.SEARCH reply: ${JSON.stringify(reply)}`);
  for (const result of results) {
    candidates.push(candidate(field(result, 'id'), field(result, 'extra_attributes')));
  }
  return candidates;
}

/**
 * A RediSearch HNSW cosine index over the cache's entry hashes (`FT.CREATE … VECTOR`), searched with
 * a TAG prefilter on the scope digest (`@scope:{digest}=>[KNN k @vector $BLOB]`). Needs the search
 * module (Redis Stack, Redis Cloud, Redis 8 builds with the query engine).
 */
export class RedisearchVectorIndex {
  constructor(
    private readonly connection: RedisConnection,
    readonly name: string,
    /** Key prefix of every entry this index covers (all tenants of one cache). */
    private readonly keyPrefix: string,
    /** Hash field holding the FP32 vector; named per embedder, so two embedders never share an index. */
    readonly vectorField: string,
    private readonly dimensions: number,
  ) {}

  /** Creates the index unless it exists (also when another process creates it concurrently). */
  async ensure(): Promise<void> {
    try {
      await this.connection.sendCommand(['FT.INFO', this.name]);
      return;
    } catch (error) {
      if (!isServerReplyError(error) || !/unknown index|no such index|not found/i.test(error.message))
        throw error;
    }
    try {
      await this.connection.sendCommand([
        'FT.CREATE', this.name, 'ON', 'HASH', 'PREFIX', '1', this.keyPrefix,
        'SCHEMA', 'scope', 'TAG',
        this.vectorField, 'AS', 'vector', 'VECTOR', 'HNSW', '6',
        'TYPE', 'FLOAT32', 'DIM', String(this.dimensions), 'DISTANCE_METRIC', 'COSINE',
      ]); // prettier-ignore
    } catch (error) {
      if (!isServerReplyError(error) || !/already exists/i.test(error.message)) throw error;
    }
  }

  /** The `count` nearest entries of one scope, best first, with their match texts. */
  async search(scopeDigest: string, vector: Buffer, count: number): Promise<SearchCandidate[]> {
    const reply = await this.connection.sendCommand(
      [
        'FT.SEARCH', this.name, `@scope:{${scopeDigest}}=>[KNN ${count} @vector $BLOB AS distance]`,
        'PARAMS', '2', 'BLOB', vector,
        'SORTBY', 'distance', 'RETURN', '2', 'distance', 'match',
        'LIMIT', '0', String(count), 'DIALECT', '2',
      ], // prettier-ignore
      { readonly: true },
    );
    return parseSearchReply(reply);
  }
}
