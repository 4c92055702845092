import type { RunnableConfig } from '@langchain/core/runnables';
import {
  BaseCheckpointSaver,
  TASKS,
  WRITES_IDX_MAP,
  compareWritesSortKeys,
  getCheckpointId,
  maxChannelVersion,
  writesSortKey,
  type ChannelVersions,
  type Checkpoint,
  type CheckpointListOptions,
  type CheckpointMetadata,
  type CheckpointPendingWrite,
  type CheckpointTuple,
  type PendingWrite,
  type SerializerProtocol,
} from '@langchain/langgraph-checkpoint';
import { InvalidInputError, LeaseLostError, validateId } from '@tristack/core';
import {
  idSchema,
  parseInput,
  parseOptions,
  isWellFormedText,
  type RedisConnection,
} from '@tristack/core/driver-kit';
import { toRedisConnection, type RedisDriverOptions } from '@tristack/redis';
import { redisKey, splitRedisDriverOptions } from '@tristack/redis/driver-kit';
import { z } from 'zod';
import { prefixSchema, ttlMsSchema } from '../driver-options.js';
import { decodeValue, encodeValue } from '../serialized-value.js';
import {
  listCheckpointsScript,
  putCheckpointScript,
  putWritesScript,
  readCheckpointsScript,
} from './checkpoint-scripts.js';

const DRIVER = 'langgraph-redis';
const PRIMITIVE = 'langgraph';
/** Checkpoints read per round trip while `list` streams. */
const LIST_PAGE = 64;

/** Fencing with the conversation lease (`RedisConversationLease` from `@tristack/redis`). */
export interface CheckpointFencingOptions {
  /**
   * Also require the token to be the live lease's (read atomically in the same script), not just
   * the highest token the thread has seen. Needs the lease on the same Redis, on resource = thread id.
   * @default true
   */
  requireLiveLease?: boolean;
  /**
   * Key prefix the lease was created with.
   * @default the saver's `prefix`
   */
  leasePrefix?: string;
}

export interface RedisCheckpointSaverOptions extends RedisDriverOptions {
  /**
   * Time to live of a thread's keys, refreshed by every `put`/`putWrites`: abandoned threads expire.
   * @default undefined (never expire)
   */
  ttlMs?: number;
  /**
   * Refresh the TTL on `getTuple`/`list` too (sliding expiry on read).
   * @default false
   */
  refreshTtlOnRead?: boolean;
  /**
   * Reject writes from a stale lease holder: every `put`/`putWrites` must carry
   * `configurable.fencing_token` (the lease's `fencingToken`); an older token than the thread has
   * seen (or, with `requireLiveLease`, not the live lease's) fails with `LeaseLostError`.
   * @default false
   */
  fencing?: boolean | CheckpointFencingOptions;
  /** Serializer for checkpoints, metadata and writes. @default JsonPlusSerializer */
  serde?: SerializerProtocol;
}

const optionsSchema = z.object({
  ttlMs: ttlMsSchema,
  refreshTtlOnRead: z.boolean().default(false),
  fencing: z
    .union([
      z.boolean(),
      z.object({ requireLiveLease: z.boolean().default(true), leasePrefix: prefixSchema.optional() }),
    ])
    .default(false),
});

const namespaceSchema = z
  .string()
  .max(1024)
  .refine((value) => !value.includes('\0'), 'must not contain NUL')
  // A lone surrogate reaches Redis as U+FFFD, so two namespaces would share checkpoints.
  .refine(isWellFormedText, 'must be well-formed UTF-16 (no lone surrogate)');
const fencingTokenSchema = z.number().int().positive();
/** `[channel, value]` pairs: the value is the serializer's business, the channel a name. */
const writesSchema = z.array(z.tuple([z.string(), z.unknown()]));
const taskPathSchema = z.string();

interface Location {
  threadId: string;
  namespace: string;
}

type ReadRow = [string, string, string, string, string, (string | null)[], string[], (string | null)[]];

/**
 * LangGraph checkpointer on plain Redis (no modules): Redis 6.2+, Valkey, Redis Cluster.
 * `put` and `putWrites` are one atomic script each; all keys of a thread share a hash slot;
 * channel values are stored once per version, so unchanged channels are never rewritten.
 */
export class RedisCheckpointSaver extends BaseCheckpointSaver {
  private readonly connection: RedisConnection;
  private readonly prefix: string;
  private readonly ttlMs: number;
  private readonly refreshTtlOnRead: boolean;
  private readonly fencing: { requireLiveLease: boolean; leasePrefix: string } | undefined;

  constructor(options: RedisCheckpointSaverOptions) {
    super(options?.serde);
    this.prefix = splitRedisDriverOptions(options, 'RedisCheckpointSaver').prefix;
    const { client: _client, prefix: _prefix, serde: _serde, ...rest } = options;
    const parsed = parseOptions(optionsSchema, rest, { what: 'RedisCheckpointSaver', driver: DRIVER });
    this.connection = toRedisConnection(options.client, DRIVER);
    this.ttlMs = parsed.ttlMs ?? 0;
    this.refreshTtlOnRead = parsed.refreshTtlOnRead;
    const fencing = parsed.fencing === true ? { requireLiveLease: true } : parsed.fencing;
    this.fencing = fencing
      ? { requireLiveLease: fencing.requireLiveLease, leasePrefix: fencing.leasePrefix ?? this.prefix }
      : undefined;
  }

  async getTuple(config: RunnableConfig): Promise<CheckpointTuple | undefined> {
    if (config.configurable?.thread_id === undefined) return undefined;
    const location = this.location(config);
    const checkpointId = this.requestedCheckpointId(config);
    const args = checkpointId
      ? ['members', member(location.namespace, this.checkpointId(checkpointId))]
      : ['latest', `[${location.namespace}\0`, `(${location.namespace}\x01`];
    const rows = await this.read(location.threadId, args);
    return rows[0] && this.toTuple(location.threadId, rows[0]);
  }

  async *list(config: RunnableConfig, options: CheckpointListOptions = {}): AsyncGenerator<CheckpointTuple> {
    const { before, filter } = options;
    let remaining = options.limit ?? Infinity;
    const rawNamespace = config.configurable?.checkpoint_ns as unknown;
    const namespace =
      rawNamespace === undefined
        ? undefined
        : parseInput(namespaceSchema, rawNamespace, { what: 'checkpoint_ns', driver: DRIVER });
    const onlyId = config.configurable?.checkpoint_id as string | undefined;
    const beforeId = before?.configurable?.checkpoint_id as string | undefined;
    const filterEntries = Object.entries(filter ?? {});
    const threadIds =
      config.configurable?.thread_id === undefined
        ? ((await this.connection.sendCommand(['ZRANGE', this.registryKey(), '0', '-1'], {
            key: this.registryKey(),
          })) as string[])
        : [this.threadId(config.configurable.thread_id)];
    for (const threadId of threadIds) {
      if (remaining <= 0) return;
      const keys = this.keys(threadId);
      const [members, metadata] = (await listCheckpointsScript.run(
        this.connection,
        [keys[0]!, keys[1]!],
        [
          namespace === undefined ? '-' : `[${namespace}\0`,
          namespace === undefined ? '+' : `(${namespace}\x01`,
          filterEntries.length > 0 ? '1' : '0',
        ],
      )) as [string[], (string | null)[]];
      const candidates: { member: string; id: string }[] = [];
      for (const [index, each] of members.entries()) {
        const id = each.slice(each.indexOf('\0') + 1);
        if (onlyId && id !== onlyId) continue;
        if (beforeId && id >= beforeId) continue;
        if (filterEntries.length > 0) {
          const stored = metadata[index];
          if (!stored) continue;
          const decoded = (await decodeValue(this.serde, stored)) as Record<string, unknown>;
          if (!filterEntries.every(([key, value]) => sameValue(decoded[key], value))) continue;
        }
        candidates.push({ member: each, id });
      }
      // Newest first across the thread's namespaces (uuid6 ids sort by time).
      candidates.sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : a.member < b.member ? 1 : -1));
      const selected = candidates.slice(0, remaining === Infinity ? undefined : remaining);
      remaining -= selected.length;
      for (let start = 0; start < selected.length; start += LIST_PAGE) {
        const page = selected.slice(start, start + LIST_PAGE).map((each) => each.member);
        for (const row of await this.read(threadId, ['members', ...page]))
          yield await this.toTuple(threadId, row);
      }
    }
  }

  async put(
    config: RunnableConfig,
    checkpoint: Checkpoint,
    metadata: CheckpointMetadata,
    newVersions: ChannelVersions,
  ): Promise<RunnableConfig> {
    if (config.configurable?.thread_id === undefined)
      throw new InvalidInputError(
        'put needs config.configurable.thread_id: pass { configurable: { thread_id } } to the graph',
        { driver: DRIVER },
      );
    const { threadId, namespace } = this.location(config);
    const checkpointId = this.checkpointId(checkpoint.id);
    const parentId = config.configurable.checkpoint_id as string | undefined;
    const token = this.fencingToken(config);
    const blobArgs: string[] = [];
    for (const [channel, version] of Object.entries(newVersions)) {
      if (!(channel in checkpoint.channel_values)) continue;
      blobArgs.push(
        blobField(namespace, channel, version),
        await encodeValue(this.serde, (checkpoint.channel_values as Record<string, unknown>)[channel]),
      );
    }
    const references = Object.entries(checkpoint.channel_versions).map(([channel, version]) =>
      blobField(namespace, channel, version),
    );
    const [encodedCheckpoint, encodedMetadata] = await Promise.all([
      encodeValue(this.serde, { ...checkpoint, channel_values: {} }),
      encodeValue(this.serde, metadata),
    ]);
    const reply = (await putCheckpointScript.run(this.connection, this.keys(threadId), [
      String(this.ttlMs),
      token === undefined ? '' : String(token),
      this.fencing?.requireLiveLease ? '1' : '0',
      member(namespace, checkpointId),
      encodedCheckpoint,
      encodedMetadata,
      parentId ?? '',
      JSON.stringify(references),
      ...blobArgs,
    ])) as [number, string | number];
    this.checkFenced(reply, threadId, token);
    if (Number(reply[1]) === 1) {
      // Only for list() across threads; a thread's own reads never need it.
      const registry = this.registryKey();
      await this.connection.sendCommand(['ZADD', registry, 'NX', '0', threadId], { key: registry });
    }
    return { configurable: { thread_id: threadId, checkpoint_ns: namespace, checkpoint_id: checkpointId } };
  }

  async putWrites(
    config: RunnableConfig,
    writes: PendingWrite[],
    taskId: string,
    taskPath = '',
  ): Promise<void> {
    if (config.configurable?.thread_id === undefined || config.configurable?.checkpoint_id === undefined)
      throw new InvalidInputError('putWrites needs config.configurable.thread_id and checkpoint_id', {
        driver: DRIVER,
      });
    const { threadId, namespace } = this.location(config);
    const checkpointMember = member(namespace, this.checkpointId(config.configurable.checkpoint_id));
    const task = validateId(taskId, 'taskId', DRIVER);
    parseInput(writesSchema, writes, { what: 'writes', driver: DRIVER });
    parseInput(taskPathSchema, taskPath, { what: 'taskPath', driver: DRIVER });
    const token = this.fencingToken(config);
    const args: string[] = [];
    for (const [index, [channel, value]] of writes.entries()) {
      const idx = WRITES_IDX_MAP[channel] ?? index;
      args.push(
        `${checkpointMember}\0${task}\0${idx}`,
        JSON.stringify([taskPath, channel, await encodeValue(this.serde, value)]),
        idx < 0 ? '1' : '0',
      );
    }
    const reply = (await putWritesScript.run(this.connection, this.keys(threadId), [
      String(this.ttlMs),
      token === undefined ? '' : String(token),
      this.fencing?.requireLiveLease ? '1' : '0',
      ...args,
    ])) as [number, (string | number)?];
    this.checkFenced(reply, threadId, token);
  }

  async deleteThread(threadId: string): Promise<void> {
    const id = this.threadId(threadId);
    const keys = this.keys(id).slice(0, 6);
    await this.connection.sendCommand(['DEL', ...keys], { key: keys[0] });
    const registry = this.registryKey();
    await this.connection.sendCommand(['ZREM', registry, id], { key: registry });
  }

  private async read(threadId: string, args: string[]): Promise<ReadRow[]> {
    const keys = this.keys(threadId).slice(0, 6);
    const ttl = this.refreshTtlOnRead ? this.ttlMs : 0;
    return (await readCheckpointsScript.run(this.connection, keys, [String(ttl), ...args])) as ReadRow[];
  }

  private async toTuple(threadId: string, row: ReadRow): Promise<CheckpointTuple> {
    const [checkpointMember, encodedCheckpoint, encodedMetadata, parentId, referencesJson, blobs] = row;
    const namespace = checkpointMember.slice(0, checkpointMember.indexOf('\0'));
    const checkpointId = checkpointMember.slice(namespace.length + 1);
    const checkpoint = (await decodeValue(this.serde, encodedCheckpoint)) as Checkpoint;
    const references = JSON.parse(referencesJson) as string[];
    const channelValues: Record<string, unknown> = {};
    for (const [index, field] of references.entries()) {
      const blob = blobs[index];
      if (blob === null || blob === undefined) continue;
      channelValues[field.slice(namespace.length + 1, field.lastIndexOf('\0'))] = await decodeValue(
        this.serde,
        blob,
      );
    }
    checkpoint.channel_values = channelValues;
    const pendingWrites = await this.pendingWrites(checkpointMember, row[6], row[7]);
    const tuple: CheckpointTuple = {
      config: {
        configurable: { thread_id: threadId, checkpoint_ns: namespace, checkpoint_id: checkpointId },
      },
      checkpoint,
      metadata: (await decodeValue(this.serde, encodedMetadata)) as CheckpointMetadata,
      pendingWrites,
    };
    if (parentId) {
      tuple.parentConfig = {
        configurable: { thread_id: threadId, checkpoint_ns: namespace, checkpoint_id: parentId },
      };
      if (checkpoint.v < 4) await this.migratePendingSends(checkpoint, threadId, namespace, parentId);
    }
    return tuple;
  }

  /** Pending writes of one checkpoint in LangGraph's replay order (`writesSortKey`). */
  private async pendingWrites(
    checkpointMember: string,
    fields: string[],
    values: (string | null)[],
  ): Promise<CheckpointPendingWrite[]> {
    const entries: {
      key: ReturnType<typeof writesSortKey>;
      taskId: string;
      channel: string;
      value: string;
    }[] = [];
    for (const [index, field] of fields.entries()) {
      const stored = values[index];
      if (!stored) continue;
      const rest = field.slice(checkpointMember.length + 1);
      const cut = rest.lastIndexOf('\0');
      const taskId = rest.slice(0, cut);
      const [taskPath, channel, value] = JSON.parse(stored) as [string, string, string];
      entries.push({
        key: writesSortKey(taskPath, taskId, Number(rest.slice(cut + 1))),
        taskId,
        channel,
        value,
      });
    }
    entries.sort((a, b) => compareWritesSortKeys(a.key, b.key));
    return Promise.all(
      entries.map(
        async ({ taskId, channel, value }) =>
          [taskId, channel, await decodeValue(this.serde, value)] as CheckpointPendingWrite,
      ),
    );
  }

  /** Checkpoints before format v4 kept pending sends as the parent's TASKS writes. */
  private async migratePendingSends(
    checkpoint: Checkpoint,
    threadId: string,
    namespace: string,
    parentId: string,
  ): Promise<void> {
    const [parent] = await this.read(threadId, ['members', member(namespace, parentId)]);
    const parentWrites = parent ? await this.pendingWrites(parent[0], parent[6], parent[7]) : [];
    const mutable = checkpoint as Checkpoint & { channel_values: Record<string, unknown> };
    mutable.channel_values[TASKS] = parentWrites
      .filter(([, channel]) => channel === TASKS)
      .map(([, , value]) => value);
    const versions = Object.values(mutable.channel_versions);
    mutable.channel_versions[TASKS] =
      versions.length > 0 ? maxChannelVersion(...versions) : this.getNextVersion(undefined);
  }

  private checkFenced(
    reply: [number, (string | number)?],
    threadId: string,
    token: number | undefined,
  ): void {
    if (Number(reply[0]) === 1) return;
    const current =
      reply[1] === '' || reply[1] === undefined || reply[1] === null ? undefined : Number(reply[1]);
    throw new LeaseLostError(threadId, token ?? 0, { driver: DRIVER, currentFencingToken: current });
  }

  private fencingToken(config: RunnableConfig): number | undefined {
    if (!this.fencing) return undefined;
    return parseInput(fencingTokenSchema, config.configurable?.fencing_token, {
      what: 'configurable.fencing_token (fencing is on: pass the lease’s fencingToken)',
      driver: DRIVER,
    });
  }

  private location(config: RunnableConfig): Location {
    return {
      threadId: this.threadId(config.configurable?.thread_id),
      namespace: parseInput(namespaceSchema, config.configurable?.checkpoint_ns ?? '', {
        what: 'checkpoint_ns',
        driver: DRIVER,
      }),
    };
  }

  private threadId(value: unknown): string {
    // A finite number is its decimal text; NaN or Infinity stays a number, which validateId rejects.
    const text = typeof value === 'number' && Number.isFinite(value) ? String(value) : value;
    return validateId(text, 'thread_id', DRIVER);
  }

  /**
   * The checkpoint `getTuple` asks for, or undefined for the latest. LangGraph reads a missing or
   * empty id as "the latest"; any other value must be an id (a NaN or 0 is not "no id").
   */
  private requestedCheckpointId(config: RunnableConfig): string | undefined {
    const requested = config.configurable?.checkpoint_id as unknown;
    if (requested !== undefined && requested !== null && requested !== '')
      return this.checkpointId(requested);
    const fallback = getCheckpointId(config);
    return fallback ? this.checkpointId(fallback) : undefined;
  }

  private checkpointId(value: unknown): string {
    return parseInput(idSchema, value, { what: 'checkpoint_id', driver: DRIVER });
  }

  /** The thread's keys in script order; the lease key shares the tag (the thread id). */
  private keys(threadId: string): string[] {
    const key = (part: string) => redisKey(this.prefix, PRIMITIVE, threadId, part);
    return [
      key('checkpoints'),
      key('data'),
      key('blobs'),
      key('write-index'),
      key('writes'),
      key('meta'),
      redisKey(this.fencing?.leasePrefix ?? this.prefix, 'lease', threadId),
    ];
  }

  private registryKey(): string {
    return redisKey(this.prefix, `${PRIMITIVE}-threads`, 'all');
  }
}

function member(namespace: string, checkpointId: string): string {
  return `${namespace}\0${checkpointId}`;
}

function blobField(namespace: string, channel: string, version: string | number): string {
  return `${namespace}\0${channel}\0${String(version)}`;
}

function sameValue(actual: unknown, expected: unknown): boolean {
  if (actual === expected) return true;
  if (typeof expected !== 'object' || expected === null) return false;
  return JSON.stringify(actual) === JSON.stringify(expected);
}
