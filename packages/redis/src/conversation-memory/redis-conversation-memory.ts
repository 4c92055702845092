import {
  TristackError,
  type ConversationAddress,
  type ConversationMemoryOptions,
  type ConversationSummary,
  type ReadMessagesOptions,
  type StoredMessage,
  type UserAddress,
} from '@tristack/core';
import {
  BaseConversationMemory,
  type PreparedMessage,
  type RedisConnection,
} from '@tristack/core/driver-kit';
import { toRedisConnection } from '../connection.js';
import { splitRedisDriverOptions, type RedisDriverOptions } from '../driver-options.js';
import { redisKey } from '../keys.js';
import type { RedisScript } from '../script.js';
import {
  appendScript,
  clearScript,
  deleteUserScript,
  listScript,
  readScript,
  touchScript,
} from './conversation-memory-scripts.js';

const DRIVER = 'redis';
const PRIMITIVE = 'memory';
/** deleteUser re-reads the index this often when conversations keep appearing meanwhile. */
const DELETE_USER_ATTEMPTS = 10;

export interface RedisConversationMemoryOptions extends ConversationMemoryOptions, RedisDriverOptions {}

interface UserKeys {
  tag: string[];
  /** ZSET conversation id → ms of its last index refresh (see lua/includes/keep-index.lua). */
  index: string;
}

/**
 * `ConversationMemory` on Redis: one list per conversation (append, trim and TTL refresh in one
 * script of four commands), and a per-user index (a sorted set of conversation ids, written about
 * once per TTL per conversation) in the same hash slot, so every call runs on Redis Cluster.
 * Listing reads activity, count and expiry from the lists themselves. Needs only core commands
 * (Redis ≥ 6.2, Valkey).
 */
export class RedisConversationMemory extends BaseConversationMemory {
  private readonly connection: RedisConnection;
  private readonly prefix: string;

  constructor(options: RedisConversationMemoryOptions) {
    const { client, prefix, rest } = splitRedisDriverOptions(options, 'RedisConversationMemory');
    super(rest, DRIVER, 'RedisConversationMemory');
    this.connection = toRedisConnection(client, DRIVER);
    this.prefix = prefix;
  }

  protected async appendMessages(
    address: ConversationAddress,
    messages: readonly PreparedMessage[],
  ): Promise<StoredMessage[]> {
    const args = [String(this.ttlMs), String(this.maxMessages), address.conversationId];
    for (const message of messages) args.push(message.json, String(message.tokenCount));
    const [ids, stamp] = (await this.runConversationScript(appendScript, address, args)) as [
      string[],
      string,
      number,
    ];
    const createdAt = Number(stamp);
    return ids.map((id, index) => ({
      id,
      createdAt,
      tokenCount: messages[index]!.tokenCount,
      ...messages[index]!.message,
    }));
  }

  protected async readMessages(
    address: ConversationAddress,
    { last, before, maxTokens }: ReadMessagesOptions,
  ): Promise<StoredMessage[]> {
    const key = this.conversationKey(this.userKeys(address), address.conversationId);
    const reply = (
      before === undefined && maxTokens === undefined
        ? // The common "last N" window needs no script: elements are ready-to-parse JSON.
          await this.connection.sendCommand(['LRANGE', key, last === undefined ? '0' : String(-last), '-1'], {
            key,
            readonly: true,
          })
        : await readScript.run(
            this.connection,
            [key],
            // The list is indexed by an id's sequence part (see the scripts).
            [
              String(last ?? 0),
              before === undefined ? '' : before.slice(before.indexOf('-') + 1),
              String(maxTokens ?? -1),
            ],
          )
    ) as string[];
    return reply.map((element) => JSON.parse(element) as StoredMessage);
  }

  protected async listUserConversations(owner: UserAddress, limit: number): Promise<ConversationSummary[]> {
    const keys = this.userKeys(owner);
    // The script must name every list it reads (cluster-safe scripts declare their keys), so read
    // the index first. A conversation started in between is simply not listed yet.
    const listed = await this.indexedConversations(keys);
    const reply = (await listScript.run(
      this.connection,
      [keys.index, ...listed.map((id) => this.conversationKey(keys, id))],
      [String(limit), ...listed],
    )) as string[];
    const summaries: ConversationSummary[] = [];
    for (let index = 0; index < reply.length; index += 4)
      summaries.push(
        this.summary(owner, {
          conversationId: reply[index]!,
          lastActivityAt: Number(reply[index + 1]),
          messageCount: Number(reply[index + 2]),
          expiresAt: Number(reply[index + 3]),
        }),
      );
    return summaries;
  }

  protected async clearConversation(address: ConversationAddress): Promise<boolean> {
    return Number(await this.runConversationScript(clearScript, address, [address.conversationId])) === 1;
  }

  protected async deleteUserConversations(owner: UserAddress): Promise<number> {
    const keys = this.userKeys(owner);
    for (let attempt = 0; attempt < DELETE_USER_ATTEMPTS; attempt++) {
      // The script must name every list it deletes (cluster-safe scripts declare their keys),
      // so read the index first; the script refuses if the index changed in between.
      const listed = await this.indexedConversations(keys);
      const deleted = Number(
        await deleteUserScript.run(
          this.connection,
          [keys.index, ...listed.map((id) => this.conversationKey(keys, id))],
          listed,
        ),
      );
      if (deleted >= 0) return deleted;
    }
    throw new TristackError(
      'CONFLICT',
      `deleteUser gave up after ${DELETE_USER_ATTEMPTS} attempts: conversations kept being added concurrently`,
      { driver: DRIVER },
    );
  }

  protected async touchConversation(address: ConversationAddress): Promise<boolean> {
    const touched = await this.runConversationScript(touchScript, address, [
      String(this.ttlMs),
      address.conversationId,
    ]);
    return Number(touched) === 1;
  }

  /** Runs a script whose KEYS are the conversation's list and its user's index. */
  private runConversationScript(script: RedisScript, address: ConversationAddress, args: readonly string[]) {
    const keys = this.userKeys(address);
    return script.run(
      this.connection,
      [this.conversationKey(keys, address.conversationId), keys.index],
      args,
    );
  }

  private async indexedConversations(keys: UserKeys): Promise<string[]> {
    return (await this.connection.sendCommand(['ZRANGE', keys.index, '0', '-1'], {
      key: keys.index,
    })) as string[];
  }

  private userKeys(owner: UserAddress): UserKeys {
    const tag = owner.tenantId === undefined ? [owner.userId] : [owner.tenantId, owner.userId];
    return { tag, index: redisKey(this.prefix, PRIMITIVE, tag, 'index') };
  }

  private conversationKey(keys: UserKeys, conversationId: string): string {
    return redisKey(this.prefix, PRIMITIVE, keys.tag, 'c', conversationId);
  }
}
