import {
  BaseStore,
  type GetOperation,
  type IndexConfig,
  type Item,
  type ListNamespacesOperation,
  type Operation,
  type OperationResults,
  type PutOperation,
  type SearchItem,
  type SearchOperation,
} from '@langchain/langgraph-checkpoint';
import {
  InvalidInputError,
  TristackError,
  idSchema,
  parseOptions,
  type RedisConnection,
} from '@tristack/core';
import { RedisScript, redisKey, toRedisConnection } from '@tristack/redis';
import { z } from 'zod';
import { checkAdapterOptions, ttlMsSchema, type RedisAdapterOptions } from '../driver-options.js';
import {
  ELEMENT_SEPARATOR,
  checkIndexConfig,
  embedPuts,
  requireVectorSets,
  toBlob,
  type ItemVector,
} from './store-vectors.js';

const DRIVER = 'langgraph-redis';
const PRIMITIVE = 'langgraph-store';

// Keys of one store (one hash tag, the store name): the whole batch is one script.
//   items     HASH  "<label>\1<label>\1…\0<key>" -> JSON value
//   times     HASH  same field -> "<createdAt ms>,<updatedAt ms>"
//   index     ZSET  same field, score 0: a namespace prefix is a lexicographic range
//   expiry    ZSET  same field -> expiry time (ms) for items written with a TTL
//   vectors   VSET  "<field>\2<path>" -> the embedding of that text (only with `index`, Redis >= 8)
//   elements  HASH  field -> its vector elements joined by \3, to remove them with the item
// Labels end with \1 so the prefix ["a"] matches ["a","b"] but not ["ab"].

/**
 * KEYS: items, times, index, expiry, vectors, elements. ARGV: op records of 4 strings each:
 *   'get', field | 'search', lex min, lex max | 'put', field, json, ttl ms | 'vec', field, element,
 *   FP32 blob (follows its put) | 'del', field | 'list' | 'vsim', namespace path, FP32 blob, count.
 * Reads see the state before the batch's writes (LangGraph's batch semantics). Returns one reply per op.
 */
const batchScript = new RedisScript(
  'langgraph-store.batch',
  `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local function dropVectors(field)
  local elements = redis.call('HGET', KEYS[6], field)
  if elements then
    -- Plain find: Lua 5.1 patterns do not handle the NUL inside field names.
    local from = 1
    while true do
      local cut = string.find(elements, '\\3', from, true)
      redis.call('VREM', KEYS[5], string.sub(elements, from, (cut or 0) - 1))
      if not cut then break end
      from = cut + 1
    end
    redis.call('HDEL', KEYS[6], field)
  end
end
local function drop(field)
  redis.call('HDEL', KEYS[1], field)
  redis.call('HDEL', KEYS[2], field)
  redis.call('ZREM', KEYS[3], field)
  redis.call('ZREM', KEYS[4], field)
  dropVectors(field)
end
local expired = redis.call('ZRANGEBYSCORE', KEYS[4], '-inf', now, 'LIMIT', 0, 1000)
for _, field in ipairs(expired) do drop(field) end
local replies = {}
for i = 1, #ARGV, 4 do
  local op = ARGV[i]
  if op == 'get' then
    replies[#replies + 1] = { redis.call('HGET', KEYS[1], ARGV[i + 1]) or '', redis.call('HGET', KEYS[2], ARGV[i + 1]) or '' }
  elseif op == 'search' then
    local fields = redis.call('ZRANGEBYLEX', KEYS[3], ARGV[i + 1], ARGV[i + 2])
    local values, times = {}, {}
    for j = 1, #fields, 1000 do
      local last = math.min(j + 999, #fields)
      local part = redis.call('HMGET', KEYS[1], unpack(fields, j, last))
      local stamps = redis.call('HMGET', KEYS[2], unpack(fields, j, last))
      for k = 1, #part do values[#values + 1] = part[k] or ''; times[#times + 1] = stamps[k] or '' end
    end
    replies[#replies + 1] = { fields, values, times }
  elseif op == 'vsim' then
    -- Nearest elements first; keep each item's best element inside the namespace prefix.
    local card = redis.call('EXISTS', KEYS[5]) == 1 and redis.call('VCARD', KEYS[5]) or 0
    local count = tonumber(ARGV[i + 3])
    local fields, values, times, scores, seen = {}, {}, {}, {}, {}
    if card > 0 then
      local found = redis.call('VSIM', KEYS[5], 'FP32', ARGV[i + 2], 'WITHSCORES', 'COUNT', count, 'EF', math.max(count, 200))
      local prefix = ARGV[i + 1]
      for j = 1, #found, 2 do
        local element = found[j]
        local field = string.sub(element, 1, string.find(element, '\\2', 1, true) - 1)
        if not seen[field] and string.sub(field, 1, #prefix) == prefix then
          seen[field] = true
          fields[#fields + 1] = field
          scores[#scores + 1] = tostring(found[j + 1])
        end
      end
      if #fields > 0 then
        local part = redis.call('HMGET', KEYS[1], unpack(fields))
        local stamps = redis.call('HMGET', KEYS[2], unpack(fields))
        for k = 1, #part do values[k] = part[k] or ''; times[k] = stamps[k] or '' end
      end
    end
    replies[#replies + 1] = { fields, values, times, scores, count >= card and 1 or 0 }
  elseif op == 'list' then
    replies[#replies + 1] = redis.call('ZRANGE', KEYS[3], 0, -1)
  else
    replies[#replies + 1] = 0
  end
end
for i = 1, #ARGV, 4 do
  local op, field = ARGV[i], ARGV[i + 1]
  if op == 'put' then
    local old = redis.call('HGET', KEYS[2], field)
    local created = old and string.match(old, '^([^,]+)') or string.format('%.0f', now)
    redis.call('HSET', KEYS[1], field, ARGV[i + 2])
    redis.call('HSET', KEYS[2], field, created .. ',' .. string.format('%.0f', now))
    redis.call('ZADD', KEYS[3], 0, field)
    if ARGV[i + 3] ~= '0' then
      redis.call('ZADD', KEYS[4], now + tonumber(ARGV[i + 3]), field)
    else
      redis.call('ZREM', KEYS[4], field)
    end
    dropVectors(field)
  elseif op == 'vec' then
    redis.call('VADD', KEYS[5], 'FP32', ARGV[i + 3], ARGV[i + 2])
    local elements = redis.call('HGET', KEYS[6], field)
    redis.call('HSET', KEYS[6], field, elements and (elements .. '\\3' .. ARGV[i + 2]) or ARGV[i + 2])
  elseif op == 'del' then
    drop(field)
  end
end
return replies
`,
);

export interface RedisStoreOptions extends RedisAdapterOptions {
  /**
   * Name of the store: all its keys share this hash tag, so a batch is one atomic script.
   * @default 'default'
   */
  name?: string;
  /**
   * Time to live of every item written, refreshed when the item is written again.
   * @default undefined (never expire)
   */
  ttlMs?: number;
  /**
   * Vector search for `search(prefix, { query })`, LangGraph's `IndexConfig`: `dims`, `embeddings`
   * (a LangChain `Embeddings`) and `fields` to embed (`['$']`, the whole value, by default). Needs
   * Vector Sets (Redis >= 8): on another server the first call fails with code `UNSUPPORTED`.
   * @default undefined (filter search only; a `query` is ignored, as InMemoryStore does)
   */
  index?: IndexConfig;
}

/** Nearest elements fetched per vector search before namespace/filter checks; grows ×4 until enough match. */
const VECTOR_CANDIDATES = 64;

const optionsSchema = z.object({ name: idSchema.default('default'), ttlMs: ttlMsSchema });

/** VSIM reply: fields, values, times, similarity (0…1), and 1 when every element was compared. */
type VectorReply = [string[], string[], string[], string[], number];

const LABEL_END = '\x01';
const KEY_START = '\0';

function namespacePath(namespace: string[]): string {
  return namespace.map((label) => `${label}${LABEL_END}`).join('');
}

function parseField(field: string): { namespace: string[]; key: string } {
  const cut = field.indexOf(KEY_START);
  return { namespace: field.slice(0, cut).split(LABEL_END).slice(0, -1), key: field.slice(cut + 1) };
}

function validateLabels(namespace: string[]): void {
  for (const label of namespace)
    if (
      typeof label !== 'string' ||
      label.length === 0 ||
      label.includes(KEY_START) ||
      label.includes(LABEL_END)
    )
      throw new InvalidInputError(`invalid namespace label: ${JSON.stringify(label)}`, { driver: DRIVER });
}

function matches(value: unknown, condition: unknown): boolean {
  if (typeof condition === 'object' && condition !== null && !Array.isArray(condition)) {
    const entries = Object.entries(condition);
    if (entries.every(([operator]) => operator.startsWith('$')))
      return entries.every(([operator, operand]) => {
        const left = value as number;
        const right = operand as number;
        switch (operator) {
          case '$eq':
            return JSON.stringify(value) === JSON.stringify(operand);
          case '$ne':
            return JSON.stringify(value) !== JSON.stringify(operand);
          case '$gt':
            return left > right;
          case '$gte':
            return left >= right;
          case '$lt':
            return left < right;
          case '$lte':
            return left <= right;
          default:
            return false;
        }
      });
  }
  return JSON.stringify(value) === JSON.stringify(condition);
}

function namespaceMatches(namespace: string[], operation: ListNamespacesOperation): boolean {
  return (operation.matchConditions ?? []).every(({ matchType, path }) => {
    if (path.length > namespace.length) return false;
    const part = matchType === 'prefix' ? namespace.slice(0, path.length) : namespace.slice(-path.length);
    return path.every((label, index) => label === '*' || label === part[index]);
  });
}

/**
 * LangGraph long-term memory (`BaseStore`) on plain Redis: the whole `batch` (what LangGraph's
 * `AsyncBatchedStore` sends from parallel nodes) is one atomic script; namespaces are lexicographic
 * ranges; items expire with `ttlMs`. Search filters values (`$eq`, `$ne`, `$gt`, `$gte`, `$lt`, `$lte`);
 * with `index`, `query` ranks by cosine similarity over Vector Sets (VADD/VSIM, Redis >= 8).
 */
export class RedisStore extends BaseStore {
  private readonly connection: RedisConnection;
  private readonly keys: string[];
  private readonly ttlMs: number;
  private readonly index: ReturnType<typeof checkIndexConfig> | undefined;
  /** The Vector Sets check, run once on first use when `index` is set. */
  private vectorSupport: Promise<void> | undefined;

  constructor(options: RedisStoreOptions) {
    super();
    const prefix = checkAdapterOptions(options, 'RedisStore');
    const { client: _client, prefix: _prefix, index, ...rest } = options;
    const parsed = parseOptions(optionsSchema, rest, { what: 'RedisStore', driver: DRIVER });
    this.connection = toRedisConnection(options.client, DRIVER);
    this.ttlMs = parsed.ttlMs ?? 0;
    this.index = index === undefined ? undefined : checkIndexConfig(index);
    this.keys = ['items', 'times', 'index', 'expiry', 'vectors', 'elements'].map((part) =>
      redisKey(prefix, PRIMITIVE, parsed.name, part),
    );
  }

  async batch<Op extends Operation[]>(operations: Op): Promise<OperationResults<Op>> {
    const args: (string | Buffer)[] = [];
    // Puts of the same namespace/key: the last one wins (InMemoryStore's rule).
    const lastPut = new Map<string, number>();
    operations.forEach((operation, index) => {
      if ('value' in operation) lastPut.set(this.field(operation.namespace, operation.key), index);
    });
    const { vectors, queries } = await this.embed(operations, lastPut);
    // 'vec' records follow their put, so each operation remembers its own record.
    const records: number[] = [];
    for (const [index, operation] of operations.entries()) {
      records.push(args.length / 4);
      if ('namespacePrefix' in operation) {
        validateLabels(operation.namespacePrefix);
        const path = namespacePath(operation.namespacePrefix);
        const query = queries.get(index);
        if (query) args.push('vsim', path, query, String(this.candidates(operation)));
        else args.push('search', `[${path}`, `(${path}\xff`, '');
      } else if ('value' in operation) {
        const put = operation as PutOperation;
        const field = this.field(put.namespace, put.key);
        if (lastPut.get(field) !== index) args.push('skip', '', '', '');
        else if (put.value === null) args.push('del', field, '', '');
        else {
          args.push('put', field, JSON.stringify(put.value), String(this.ttlMs));
          for (const { element, blob } of vectors.get(field) ?? []) args.push('vec', field, element, blob);
        }
      } else if (
        'matchConditions' in operation ||
        'maxDepth' in operation ||
        ('limit' in operation && !('key' in operation))
      ) {
        args.push('list', '', '', '');
      } else {
        const get = operation as GetOperation;
        args.push('get', this.field(get.namespace, get.key), '', '');
      }
    }
    const replies = (await batchScript.run(this.connection, this.keys, args)) as unknown[];
    const results: unknown[] = [];
    for (const [index, operation] of operations.entries()) {
      const record = records[index]!;
      const reply = replies[record];
      if ('namespacePrefix' in operation) {
        const query = queries.get(index);
        results.push(
          query
            ? await this.vectorResult(operation, query, reply as VectorReply)
            : this.searchResult(operation, reply as [string[], string[], string[]]),
        );
      } else if ('value' in operation) results.push(undefined);
      else if (args[record * 4] === 'list')
        results.push(this.listResult(operation as ListNamespacesOperation, reply as string[]));
      else {
        const [value, times] = reply as [string, string];
        const get = operation as GetOperation;
        results.push(value ? this.item(this.field(get.namespace, get.key), value, times) : null);
      }
    }
    return results as OperationResults<Op>;
  }

  /** Embeds the batch's indexed puts and query searches (one call each) when `index` is set. */
  private async embed(
    operations: Operation[],
    lastPut: Map<string, number>,
  ): Promise<{ vectors: Map<string, ItemVector[]>; queries: Map<number, Buffer> }> {
    const queries = new Map<number, Buffer>();
    const index = this.index;
    if (!index) return { vectors: new Map(), queries };
    this.vectorSupport ??= requireVectorSets(this.connection).catch((error: unknown) => {
      // A transport failure is retried on the next call; a missing feature fails every call.
      if (!TristackError.hasCode(error, 'UNSUPPORTED')) this.vectorSupport = undefined;
      throw error;
    });
    await this.vectorSupport;
    const puts = operations.flatMap((operation, position) => {
      if (!('value' in operation)) return [];
      const field = this.field(operation.namespace, operation.key);
      if (field.includes(ELEMENT_SEPARATOR))
        throw new InvalidInputError('an indexed store key or namespace must not contain \\x02', {
          driver: DRIVER,
        });
      return lastPut.get(field) === position ? [{ put: operation as PutOperation, field }] : [];
    });
    const texts = [
      ...new Set(
        operations.flatMap((operation) =>
          'namespacePrefix' in operation && operation.query ? [operation.query] : [],
        ),
      ),
    ];
    const [vectors, embedded] = await Promise.all([
      embedPuts(puts, index),
      Promise.all(texts.map((text) => index.config.embeddings.embedQuery(text))),
    ]);
    operations.forEach((operation, position) => {
      if ('namespacePrefix' in operation && operation.query)
        queries.set(position, toBlob(embedded[texts.indexOf(operation.query)]!, index.config.dims));
    });
    return { vectors, queries };
  }

  /** Nearest elements to ask VSIM for: enough for the page with some room for filtered-out items. */
  private candidates(operation: SearchOperation, factor = 1): number {
    return Math.max(VECTOR_CANDIDATES, ((operation.offset ?? 0) + (operation.limit ?? 10)) * 4) * factor;
  }

  /**
   * Items by similarity (LangGraph's score: cosine, -1…1). When namespace and filter leave fewer
   * than the page needs and the set has more elements, asks again for 4× as many (one more round
   * trip, which sees the state after this batch's writes).
   */
  private async vectorResult(
    operation: SearchOperation,
    query: Buffer,
    first: VectorReply,
  ): Promise<SearchItem[]> {
    const wanted = (operation.offset ?? 0) + (operation.limit ?? 10);
    const filter = Object.entries(operation.filter ?? {});
    let reply = first;
    for (let factor = 4; ; factor *= 4) {
      const [fields, values, times, scores, exhausted] = reply;
      const items: SearchItem[] = [];
      for (const [position, field] of fields.entries()) {
        if (!values[position]) continue;
        const item = this.item(field, values[position]!, times[position]!);
        if (filter.every(([path, condition]) => matches(item.value[path], condition)))
          items.push({ ...item, score: Number(scores[position]) * 2 - 1 });
      }
      if (items.length >= wanted || Number(exhausted) === 1)
        return items.slice(operation.offset ?? 0, wanted);
      const path = namespacePath(operation.namespacePrefix);
      const again = (await batchScript.run(this.connection, this.keys, [
        'vsim',
        path,
        query,
        String(this.candidates(operation, factor)),
      ])) as VectorReply[];
      reply = again[0]!;
    }
  }

  private item(field: string, value: string, times: string): Item {
    const { namespace, key } = parseField(field);
    const [created, updated] = times.split(',').map(Number);
    return {
      namespace,
      key,
      value: JSON.parse(value),
      createdAt: new Date(created!),
      updatedAt: new Date(updated!),
    };
  }

  private searchResult(operation: SearchOperation, reply: [string[], string[], string[]]): SearchItem[] {
    const [fields, values, times] = reply;
    const filter = Object.entries(operation.filter ?? {});
    const items: SearchItem[] = [];
    for (const [index, field] of fields.entries()) {
      if (!values[index]) continue;
      const item = this.item(field, values[index]!, times[index]!);
      if (filter.every(([path, condition]) => matches(item.value[path], condition))) items.push(item);
    }
    // Most recently updated first.
    items.sort((a, b) => b.updatedAt.getTime() - a.updatedAt.getTime());
    const offset = operation.offset ?? 0;
    return items.slice(offset, offset + (operation.limit ?? 10));
  }

  private listResult(operation: ListNamespacesOperation, fields: string[]): string[][] {
    const seen = new Map<string, string[]>();
    for (const field of fields) {
      let { namespace } = parseField(field);
      if (operation.maxDepth !== undefined) namespace = namespace.slice(0, operation.maxDepth);
      if (namespaceMatches(namespace, operation)) seen.set(namespace.join(LABEL_END), namespace);
    }
    const sorted = [...seen.values()].sort((a, b) => (a.join(LABEL_END) < b.join(LABEL_END) ? -1 : 1));
    const offset = operation.offset ?? 0;
    return sorted.slice(offset, offset + (operation.limit ?? 100));
  }

  private field(namespace: string[], key: string): string {
    validateLabels(namespace);
    return `${namespacePath(namespace)}${KEY_START}${key}`;
  }
}
