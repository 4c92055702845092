import type { BroadcastErrorHandler, BroadcastMessage } from '@tristack/core';
import {
  BaseBroadcast,
  broadcastOptionsSchema,
  globToRegExp,
  parseOptions,
  type BroadcastListenTarget,
} from '@tristack/core/driver-kit';
import type { Pool } from 'pg';
import { type PostgresDriverOptions, splitPostgresDriverOptions } from '../driver-options.js';
import { runStatement, statement } from '../internal/sql.js';
import { NotificationListener } from '../internal/notification-listener.js';
import { schemaIdentifier } from '../internal/schema-identifier.js';

const DRIVER = 'postgres';
/** NOTIFY payloads must stay under 8000 bytes; larger messages go through the table. */
const MAX_INLINE_PAYLOAD_BYTES = 7900;

export interface PostgresBroadcastOptions extends PostgresDriverOptions {
  /** Receives what a handler threw; delivery goes on. @default prints it with console.error */
  onHandlerError?: BroadcastErrorHandler;
}

/** A notification: the channel, and the message inline (`m`) or the sequence of its row (`s`). */
interface Envelope {
  c: string;
  m?: string;
  s?: string;
}

type Deliver = (message: BroadcastMessage) => void;

/**
 * `Broadcast` on PostgreSQL `LISTEN`/`NOTIFY`. Every broadcast channel of a schema shares one
 * NOTIFY channel; each instance holds one `LISTEN` connection (taken from the pool on the first
 * subscribe) and matches channels and glob patterns itself. Publishing is one statement: a
 * message that fits NOTIFY's 8000 bytes travels inline, a larger one is written to
 * `broadcast_messages` in the same statement and listeners read it back by its sequence.
 * NOTIFY delivers in commit order, and each instance hands messages on in that order. Messages
 * published while a listener's connection is down are lost (pub/sub stores nothing).
 */
export class PostgresBroadcast extends BaseBroadcast {
  private readonly pool: Pool;
  private readonly channel: string;
  private readonly statements;
  private readonly listener: NotificationListener;
  private readonly channels = new Map<string, Set<Deliver>>();
  private readonly patterns = new Map<string, { regExp: RegExp; handlers: Set<Deliver> }>();
  /** Deliveries in notification order (a stored message is read before the next is handed on). */
  private tail: Promise<void> = Promise.resolve();

  constructor(options: PostgresBroadcastOptions) {
    const { pool, schema, rest } = splitPostgresDriverOptions(options, 'PostgresBroadcast');
    const parsed = parseOptions(broadcastOptionsSchema.strict(), rest, {
      what: 'PostgresBroadcast',
      driver: DRIVER,
    });
    super(parsed, DRIVER);
    this.pool = pool;
    this.channel = schemaIdentifier(schema, 'broadcast');
    this.statements = {
      inline: statement('broadcast.notify', schema, () => 'SELECT pg_notify($1, $2)'),
      stored: statement(
        'broadcast.store',
        schema,
        (s) => `WITH stored AS (
                  INSERT INTO ${s}.broadcast_messages (message, expires_at)
                  VALUES ($2, clock_timestamp() + interval '60 seconds') RETURNING seq)
                SELECT pg_notify($1, json_build_object('c', $3::text, 's', seq::text)::text) FROM stored`,
      ),
      read: statement(
        'broadcast.read',
        schema,
        (s) => `SELECT message FROM ${s}.broadcast_messages WHERE seq = $1`,
      ),
    };
    this.listener = new NotificationListener(pool, this.channel, (payload) => this.onNotification(payload));
  }

  protected async send(channel: string, message: string): Promise<void> {
    const inline = JSON.stringify({ c: channel, m: message } satisfies Envelope);
    if (Buffer.byteLength(inline, 'utf8') <= MAX_INLINE_PAYLOAD_BYTES) {
      await runStatement(this.pool, this.statements.inline, [this.channel, inline]);
      return;
    }
    // Stored as JSON text: a message may hold characters a text column refuses (NUL).
    await runStatement(this.pool, this.statements.stored, [this.channel, JSON.stringify(message), channel]);
  }

  protected async listen(target: BroadcastListenTarget, deliver: Deliver): Promise<() => Promise<void>> {
    await this.listener.start();
    if ('channel' in target) {
      let handlers = this.channels.get(target.channel);
      if (!handlers) this.channels.set(target.channel, (handlers = new Set()));
      handlers.add(deliver);
      return async () => {
        handlers.delete(deliver);
        if (handlers.size === 0 && this.channels.get(target.channel) === handlers)
          this.channels.delete(target.channel);
      };
    }
    let route = this.patterns.get(target.pattern);
    if (!route) {
      route = { regExp: globToRegExp(target.pattern), handlers: new Set() };
      this.patterns.set(target.pattern, route);
    }
    const { handlers } = route;
    handlers.add(deliver);
    return async () => {
      handlers.delete(deliver);
      if (handlers.size === 0 && this.patterns.get(target.pattern)?.handlers === handlers)
        this.patterns.delete(target.pattern);
    };
  }

  protected async stopListening(): Promise<void> {
    this.channels.clear();
    this.patterns.clear();
    await this.listener.stop();
  }

  private onNotification(payload: string): void {
    let envelope: Envelope;
    try {
      envelope = JSON.parse(payload) as Envelope;
    } catch {
      return;
    }
    const channel = envelope.c;
    const handlers = [...(this.channels.get(channel) ?? [])];
    for (const { regExp, handlers: matched } of this.patterns.values())
      if (regExp.test(channel)) handlers.push(...matched);
    if (handlers.length === 0) return;
    this.tail = this.tail.then(async () => {
      let message = envelope.m;
      if (message === undefined) {
        try {
          const [row] = await runStatement<{ message: string }>(this.pool, this.statements.read, [
            envelope.s,
          ]);
          if (!row) return; // swept before it was read: lost, as pub/sub may lose it
          message = JSON.parse(row.message) as string;
        } catch {
          return;
        }
      }
      for (const deliver of handlers) deliver({ channel, message });
    });
  }
}
