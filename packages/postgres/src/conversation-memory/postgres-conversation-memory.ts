import {
  compositeKey,
  type ConversationAddress,
  type ConversationMemoryOptions,
  type ConversationSummary,
  type ReadMessagesOptions,
  type StoredMessage,
  type UserAddress,
} from '@tristack/core';
import { BaseConversationMemory, type PreparedMessage } from '@tristack/core/driver-kit';
import type { Pool } from 'pg';
import { splitPostgresDriverOptions, type PostgresDriverOptions } from '../driver-options.js';
import { runStatement, statement, type Statement } from '../internal/sql.js';
import { epochMs } from '../internal/time-sql.js';

const DRIVER = 'postgres';

/** Options of `PostgresConversationMemory`: the memory's own, plus the pool and schema. */
export interface PostgresConversationMemoryOptions extends ConversationMemoryOptions, PostgresDriverOptions {}

function memoryStatements(schema: string) {
  const live = (s: string) =>
    `EXISTS (SELECT 1 FROM ${s}.conversation c WHERE c.id = m.conversation AND c.expires_at > clock_timestamp())`;
  return {
    append: statement(
      'memory.append',
      schema,
      (s) => `SELECT ids, created_ms, message_count FROM ${s}.append_messages($1, $2, $3, $4, $5, $6)`,
    ),
    // $1 owner, $2 conversation, $3 before sequence (NULL: none), $4 last (NULL: all), $5 token budget
    // (NULL: none). The newest `last` before `before`, then walking back while the budget lasts: a
    // running sum over newest-first rows is monotone, so `used <= budget` keeps exactly that prefix.
    read: statement(
      'memory.read',
      schema,
      (s) => `SELECT message FROM (
          SELECT message, sequence,
                 sum(token_count) OVER (ORDER BY sequence DESC ROWS UNBOUNDED PRECEDING) AS used
          FROM (
            SELECT m.message, m.sequence, m.token_count
            FROM ${s}.conversation_message m
            WHERE m.conversation = (SELECT id FROM ${s}.conversation WHERE owner = $1 AND conversation_id = $2)
              AND ($3::bigint IS NULL OR m.sequence < $3::bigint) AND ${live(s)}
            ORDER BY m.sequence DESC
            LIMIT $4::bigint) newest) budgeted
        WHERE $5::bigint IS NULL OR used <= $5::bigint
        ORDER BY sequence`,
    ),
    list: statement(
      'memory.list',
      schema,
      (s) => `SELECT conversation_id, last_ms, message_count, ${epochMs('expires_at')} AS expires_at_ms
        FROM ${s}.conversation
        WHERE owner = $1 AND expires_at > clock_timestamp()
        ORDER BY last_ms DESC, conversation_id COLLATE "C" DESC
        LIMIT $2`,
    ),
    clear: statement(
      'memory.clear',
      schema,
      (s) => `DELETE FROM ${s}.conversation WHERE owner = $1 AND conversation_id = $2
        RETURNING expires_at > clock_timestamp() AS live`,
    ),
    deleteUser: statement(
      'memory.delete-user',
      schema,
      (s) => `WITH gone AS (DELETE FROM ${s}.conversation WHERE owner = $1 RETURNING expires_at)
        SELECT count(*) FILTER (WHERE expires_at > clock_timestamp()) AS deleted FROM gone`,
    ),
    touch: statement(
      'memory.touch',
      schema,
      (s) => `UPDATE ${s}.conversation SET expires_at = clock_timestamp() + $3 * interval '1 millisecond'
        WHERE owner = $1 AND conversation_id = $2 AND expires_at > clock_timestamp()
        RETURNING 1`,
    ),
  } satisfies Record<string, Statement>;
}

/**
 * `ConversationMemory` on PostgreSQL: a row per conversation (its owner, counters and expiry; the
 * primary key `(owner, conversation_id)` is the per-user index) and a row per message. Append, trim
 * and expiry refresh are one call of the `append_messages` function (one round trip); read, list,
 * clear, touch and deleteUser are one statement each. Time comes from the server. Run
 * `migrate(pool)` first, and `sweepExpired(pool)` now and then to reclaim expired conversations
 * (reads ignore them already).
 */
export class PostgresConversationMemory extends BaseConversationMemory {
  private readonly pool: Pool;
  private readonly statements: ReturnType<typeof memoryStatements>;

  constructor(options: PostgresConversationMemoryOptions) {
    const { pool, schema, rest } = splitPostgresDriverOptions(options, 'PostgresConversationMemory');
    super(rest, DRIVER, 'PostgresConversationMemory');
    this.pool = pool;
    this.statements = memoryStatements(schema);
  }

  protected async appendMessages(
    address: ConversationAddress,
    messages: readonly PreparedMessage[],
  ): Promise<StoredMessage[]> {
    const [row] = await runStatement<{ ids: string[]; created_ms: string }>(
      this.pool,
      this.statements.append,
      [
        ownerOf(address),
        address.conversationId,
        this.ttlMs,
        this.maxMessages,
        messages.map((message) => message.json),
        messages.map((message) => message.tokenCount),
      ],
    );
    const createdAt = Number(row!.created_ms);
    return row!.ids.map((id, index) => ({
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
    const rows = await runStatement<{ message: string }>(this.pool, this.statements.read, [
      ownerOf(address),
      address.conversationId,
      // An id is `<ms>-<sequence>`; the sequence orders a conversation's messages.
      before === undefined ? null : before.slice(before.indexOf('-') + 1),
      last ?? null,
      maxTokens ?? null,
    ]);
    return rows.map((row) => JSON.parse(row.message) as StoredMessage);
  }

  protected async listUserConversations(owner: UserAddress, limit: number): Promise<ConversationSummary[]> {
    const rows = await runStatement<{
      conversation_id: string;
      last_ms: string;
      message_count: number;
      expires_at_ms: string;
    }>(this.pool, this.statements.list, [ownerOf(owner), limit]);
    return rows.map((row) =>
      this.summary(owner, {
        conversationId: row.conversation_id,
        lastActivityAt: Number(row.last_ms),
        messageCount: row.message_count,
        expiresAt: Number(row.expires_at_ms),
      }),
    );
  }

  protected async clearConversation(address: ConversationAddress): Promise<boolean> {
    const rows = await runStatement<{ live: boolean }>(this.pool, this.statements.clear, [
      ownerOf(address),
      address.conversationId,
    ]);
    return rows[0]?.live === true;
  }

  protected async deleteUserConversations(owner: UserAddress): Promise<number> {
    const [row] = await runStatement<{ deleted: string }>(this.pool, this.statements.deleteUser, [
      ownerOf(owner),
    ]);
    return Number(row?.deleted ?? 0);
  }

  protected async touchConversation(address: ConversationAddress): Promise<boolean> {
    const rows = await runStatement(this.pool, this.statements.touch, [
      ownerOf(address),
      address.conversationId,
      this.ttlMs,
    ]);
    return rows.length === 1;
  }
}

/** The owner column: tenant and user through the one injective encoding, never joined by hand. */
function ownerOf(owner: UserAddress): string {
  return compositeKey([
    ['tenant', owner.tenantId],
    ['user', owner.userId],
  ]);
}
