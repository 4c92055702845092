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
import { InvalidInputError, TristackError } from '@tristack/core';
import {
  MAX_PAYLOAD_DEPTH,
  checkJsonValue,
  idSchema,
  isWellFormedText,
  parseOptions,
  type RedisConnection,
} from '@tristack/core/driver-kit';
import { toRedisConnection, type RedisDriverOptions } from '@tristack/redis';
import { RedisScript, redisKey, splitRedisDriverOptions } from '@tristack/redis/driver-kit';
import { z } from 'zod';
import { ttlMsSchema } from '../driver-options.js';
import {
  ELEMENT_SEPARATOR,
  checkIndexConfig,
  embedPuts,
  requireVectorSets,
  toBlob,
  type ItemVector,
} from './store-vectors.js';
import batchSource from './lua/batch-6.lua.generated.js';

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

// The Lua (key layout, ARGV records, reply) lives in ./lua/batch-6.lua.
const batchScript = new RedisScript('langgraph-store.batch', batchSource);

export interface RedisStoreOptions extends RedisDriverOptions {
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

/** A value named in an error message without serialising it (it may be huge, deep or circular). */
function shown(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value.slice(0, 64)) : typeof value;
}

/** BaseStore's own namespace check iterates its argument: a number or object would be a TypeError. */
function requireNamespaceArray(namespace: unknown, what = 'namespace'): void {
  if (!Array.isArray(namespace))
    throw new InvalidInputError(`invalid ${what}: expected an array of labels, got ${shown(namespace)}`, {
      driver: DRIVER,
    });
  // BaseStore's check calls string methods on each label: a Proxy there would throw a TypeError.
  for (const label of namespace as unknown[])
    if (typeof label !== 'string')
      throw new InvalidInputError(`invalid namespace label: ${shown(label)}`, { driver: DRIVER });
}

/** An item's value: a JSON object, checked without recursion (depth, cycles, NaN) before any write. */
function validateValue(value: unknown): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new InvalidInputError(`invalid store value: expected an object, got ${shown(value)}`, {
      driver: DRIVER,
    });
  checkJsonValue(value, { what: 'store value', driver: DRIVER, maxDepth: MAX_PAYLOAD_DEPTH });
}

// A lone surrogate reaches Redis as U+FFFD: ['memories', 'bob\uD800'] would read 'bob\uFFFD''s items.
function validateLabels(namespace: string[]): void {
  requireNamespaceArray(namespace);
  for (const label of namespace)
    if (
      typeof label !== 'string' ||
      label.length === 0 ||
      label.includes(KEY_START) ||
      label.includes(LABEL_END) ||
      !isWellFormedText(label)
    )
      throw new InvalidInputError(`invalid namespace label: ${shown(label)}`, { driver: DRIVER });
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
    const prefix = splitRedisDriverOptions(options, 'RedisStore').prefix;
    const { client: _client, prefix: _prefix, index, ...rest } = options;
    const parsed = parseOptions(optionsSchema, rest, { what: 'RedisStore', driver: DRIVER });
    this.connection = toRedisConnection(options.client, DRIVER);
    this.ttlMs = parsed.ttlMs ?? 0;
    this.index = index === undefined ? undefined : checkIndexConfig(index);
    this.keys = ['items', 'times', 'index', 'expiry', 'vectors', 'elements'].map((part) =>
      redisKey(prefix, PRIMITIVE, parsed.name, part),
    );
  }

  override async get(namespace: string[], key: string): Promise<Item | null> {
    requireNamespaceArray(namespace);
    return super.get(namespace, key);
  }

  override async search(
    namespacePrefix: string[],
    options?: Parameters<BaseStore['search']>[1],
  ): Promise<SearchItem[]> {
    requireNamespaceArray(namespacePrefix, 'namespace prefix');
    return super.search(namespacePrefix, options);
  }

  override async put(...args: Parameters<BaseStore['put']>): Promise<void> {
    requireNamespaceArray(args[0]);
    return super.put(...args);
  }

  override async delete(namespace: string[], key: string): Promise<void> {
    requireNamespaceArray(namespace);
    return super.delete(namespace, key);
  }

  async batch<Op extends Operation[]>(operations: Op): Promise<OperationResults<Op>> {
    const args: (string | Buffer)[] = [];
    // Puts of the same namespace/key: the last one wins (InMemoryStore's rule). Every put is checked
    // here, before embedding or the script: one bad operation writes nothing.
    const lastPut = new Map<string, number>();
    operations.forEach((operation, index) => {
      if (!('value' in operation)) return;
      lastPut.set(this.field(operation.namespace, operation.key), index);
      if (operation.value !== null) validateValue(operation.value);
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
    if (typeof key !== 'string' || !isWellFormedText(key))
      throw new InvalidInputError(`invalid key: ${shown(key)}: must be a well-formed UTF-16 string`, {
        driver: DRIVER,
      });
    return `${namespacePath(namespace)}${KEY_START}${key}`;
  }
}
