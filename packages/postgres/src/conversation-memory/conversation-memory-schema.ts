import type { PostgresSchemaPart } from '../internal/schema-part.js';
import { FUNCTION_SEARCH_PATH } from '../internal/function-settings.js';

/**
 * `conversation`: one row per conversation, keyed by its owner (`compositeKey` of tenant and user)
 * and id; the primary key's prefix is the per-user index. It holds the counters an append needs
 * (last sequence and ms, message count) and the expiry. `conversation_message`: one row per message,
 * its stored JSON ready to return (`{"id":…,"createdAt":…,"tokenCount":…,<message>}`), deleted with
 * its conversation (ON DELETE CASCADE). Logged tables: conversations are user data.
 *
 * `append_messages` is the append: one call, one round trip (lock the conversation row, restart it
 * when expired, insert, trim, refresh the expiry).
 */
export const conversationMemorySchema: PostgresSchemaPart = {
  primitive: 'conversation-memory',
  versions: [
    (schema) => [
      `CREATE TABLE ${schema}.conversation (
         id bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
         owner text NOT NULL,
         conversation_id text NOT NULL,
         last_sequence bigint NOT NULL,
         last_ms bigint NOT NULL,
         message_count integer NOT NULL,
         expires_at timestamptz NOT NULL,
         PRIMARY KEY (owner, conversation_id))`,
      `CREATE INDEX conversation_expires_at ON ${schema}.conversation (expires_at)`,
      `CREATE TABLE ${schema}.conversation_message (
         conversation bigint NOT NULL REFERENCES ${schema}.conversation (id) ON DELETE CASCADE,
         sequence bigint NOT NULL,
         token_count integer NOT NULL,
         message text NOT NULL,
         PRIMARY KEY (conversation, sequence))`,
      `CREATE FUNCTION ${schema}.append_messages(
         p_owner text, p_conversation_id text, p_ttl_ms bigint, p_max_messages integer,
         p_messages text[], p_token_counts integer[],
         OUT ids text[], OUT created_ms bigint, OUT message_count integer)
       LANGUAGE plpgsql ${FUNCTION_SEARCH_PATH} AS $body$
       DECLARE
         now_ms bigint := floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint;
         row_id bigint;
         last_seq bigint;
         last_stamp bigint;
         held integer;
         expiry timestamptz;
         added integer := coalesce(array_length(p_messages, 1), 0);
       BEGIN
         INSERT INTO ${schema}.conversation AS c
           (owner, conversation_id, last_sequence, last_ms, message_count, expires_at)
         VALUES (p_owner, p_conversation_id, 0, 0, 0, clock_timestamp())
         ON CONFLICT (owner, conversation_id) DO NOTHING;
         SELECT c.id, c.last_sequence, c.last_ms, c.message_count, c.expires_at
           INTO row_id, last_seq, last_stamp, held, expiry
           FROM ${schema}.conversation c
           WHERE c.owner = p_owner AND c.conversation_id = p_conversation_id
           FOR UPDATE;
         IF expiry <= clock_timestamp() THEN
           -- Expired (or just created): it starts over, like a Redis list whose key expired.
           DELETE FROM ${schema}.conversation_message WHERE conversation = row_id;
           last_seq := 0; last_stamp := 0; held := 0;
         END IF;
         -- Ids never go back, even if the server's clock does.
         created_ms := greatest(now_ms, last_stamp);
         SELECT array_agg(created_ms || '-' || (last_seq + ordinal) ORDER BY ordinal) INTO ids
           FROM generate_series(1, added) AS ordinal;
         INSERT INTO ${schema}.conversation_message (conversation, sequence, token_count, message)
           SELECT row_id, last_seq + ordinal, p_token_counts[ordinal],
                  '{"id":"' || created_ms || '-' || (last_seq + ordinal) || '","createdAt":' || created_ms
                    || ',"tokenCount":' || p_token_counts[ordinal] || ',' || substr(p_messages[ordinal], 2)
           FROM generate_series(1, added) AS ordinal;
         last_seq := last_seq + added;
         message_count := held + added;
         IF message_count > p_max_messages THEN
           DELETE FROM ${schema}.conversation_message
             WHERE conversation = row_id AND sequence <= last_seq - p_max_messages;
           message_count := p_max_messages;
         END IF;
         UPDATE ${schema}.conversation SET
             last_sequence = last_seq, last_ms = created_ms, message_count = append_messages.message_count,
             expires_at = to_timestamp((created_ms + p_ttl_ms) / 1000.0)
           WHERE id = row_id;
       END
       $body$`,
    ],
  ],
  expiring: [{ table: 'conversation', column: 'expires_at' }],
};
