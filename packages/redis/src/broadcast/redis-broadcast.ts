import {
  InvalidOptionsError,
  broadcastChannelSchema,
  broadcastMessageSchema,
  broadcastOptionsSchema,
  broadcastTargetSchema,
  defaultBroadcastErrorHandler,
  parseInput,
  parseOptions,
  type Broadcast,
  type BroadcastErrorHandler,
  type BroadcastHandler,
  type BroadcastMessage,
  type BroadcastSubscription,
  type BroadcastTarget,
  type RedisConnection,
} from '@tristack/core';
import { toRedisConnection } from '../connection.js';
import { splitRedisDriverOptions, type RedisDriverOptions } from '../driver-options.js';
import { RedisScript } from '../script.js';

const DRIVER = 'redis';

// PUBLISH through a script whose only key is the channel: on a cluster, node-redis sends a bare
// PUBLISH (a keyless command) to a random node, and messages relayed by different nodes can
// overtake each other. Keyed, every message of a channel leaves from the node owning its slot,
// so subscribers on any node receive them in publish order. Still one round trip.
const publishScript = new RedisScript('broadcast-publish', "return redis.call('PUBLISH', KEYS[1], ARGV[1])");

type PubSubListener = (message: string, channel: string) => void;

/** The node-redis surface of a subscriber connection (a client's or a cluster's duplicate). */
interface SubscriberLike {
  connect(): Promise<unknown>;
  subscribe(channel: string, listener: PubSubListener): Promise<unknown>;
  unsubscribe(channel: string, listener: PubSubListener): Promise<unknown>;
  pSubscribe(pattern: string, listener: PubSubListener): Promise<unknown>;
  pUnsubscribe(pattern: string, listener: PubSubListener): Promise<unknown>;
  on(event: 'error', listener: (error: unknown) => void): unknown;
  close?(): Promise<unknown>;
  destroy?(): unknown;
}

export interface RedisBroadcastOptions extends RedisDriverOptions {
  /** Receives what a handler threw; delivery goes on. @default prints it with console.error */
  onHandlerError?: BroadcastErrorHandler;
}

/** One physical channel or pattern on the subscriber connection, with the handlers behind it. */
interface Route {
  kind: 'channel' | 'pattern';
  name: string;
  handlers: Set<(message: BroadcastMessage) => void>;
  listener: PubSubListener;
  /** Settles when SUBSCRIBE/PSUBSCRIBE was acknowledged. */
  ready: Promise<unknown>;
}

// Glob characters in the prefix must match literally inside a PSUBSCRIBE pattern.
const escapeGlob = (text: string) => text.replace(/[*?[\]\\]/g, '\\$&');

/**
 * `Broadcast` on Redis pub/sub. Publishing is one round trip on the shared client (on a cluster it
 * reaches every node, in publish order per channel). All subscriptions of an instance share ONE subscriber connection (a
 * duplicate of the client, made on the first subscribe): create one instance per process.
 * node-redis re-subscribes after a reconnect; messages published while disconnected are lost
 * (pub/sub stores nothing). Channels are namespaced as `<prefix>:broadcast:<channel>`.
 */
export class RedisBroadcast implements Broadcast {
  private readonly connection: RedisConnection;
  private readonly source: { duplicate(): unknown };
  private readonly namespace: string;
  private readonly onHandlerError: BroadcastErrorHandler;
  private readonly routes = new Map<string, Route>();
  private subscriber: Promise<SubscriberLike> | undefined;

  constructor(options: RedisBroadcastOptions) {
    const { client, prefix, rest } = splitRedisDriverOptions(options, 'RedisBroadcast');
    const parsed = parseOptions(broadcastOptionsSchema.strict(), rest, {
      what: 'RedisBroadcast',
      driver: DRIVER,
    });
    if (typeof (client as { duplicate?: unknown }).duplicate !== 'function' || !('subscribe' in client))
      throw new InvalidOptionsError(
        'invalid RedisBroadcast options: client: pub/sub needs a node-redis client or cluster',
        { driver: DRIVER },
      );
    this.source = client as unknown as { duplicate(): unknown };
    this.connection = toRedisConnection(client, DRIVER);
    this.namespace = `${prefix}:broadcast:`;
    this.onHandlerError = parsed.onHandlerError ?? defaultBroadcastErrorHandler;
  }

  async publish(channel: string, message: string): Promise<void> {
    parseInput(broadcastChannelSchema, channel, { what: 'channel', driver: DRIVER });
    parseInput(broadcastMessageSchema, message, { what: 'message', driver: DRIVER });
    await publishScript.run(this.connection, [this.namespace + channel], [message]);
  }

  async subscribe(target: BroadcastTarget, handler: BroadcastHandler): Promise<BroadcastSubscription> {
    parseInput(broadcastTargetSchema, target, { what: 'subscription target', driver: DRIVER });
    const pattern = typeof target === 'string' ? undefined : target.pattern;
    // Handlers run one message at a time, in arrival order, even when they are async.
    let tail = Promise.resolve();
    const deliver = (message: BroadcastMessage) => {
      const delivered = pattern === undefined ? message : { ...message, pattern };
      tail = tail.then(async () => {
        if (!route.handlers.has(deliver)) return;
        try {
          await handler(delivered);
        } catch (error) {
          this.onHandlerError(error, delivered);
        }
      });
    };
    const route = await this.route(
      pattern === undefined ? 'channel' : 'pattern',
      pattern ?? (target as string),
    );
    route.handlers.add(deliver);
    try {
      await route.ready;
    } catch (error) {
      route.handlers.delete(deliver);
      throw error;
    }
    return {
      target,
      unsubscribe: async () => {
        if (!route.handlers.delete(deliver) || route.handlers.size > 0) return;
        await this.drop(route);
      },
    };
  }

  async close(): Promise<void> {
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    this.routes.clear();
    const connection = await subscriber?.catch(() => undefined);
    if (!connection) return;
    try {
      if (connection.close) await connection.close();
      else connection.destroy?.();
    } catch {
      connection.destroy?.();
    }
  }

  private connect(): Promise<SubscriberLike> {
    this.subscriber ??= (async () => {
      const connection = this.source.duplicate() as SubscriberLike;
      // Errors surface as rejected subscribe calls; node-redis keeps reconnecting meanwhile.
      connection.on('error', () => {});
      await connection.connect();
      return connection;
    })();
    const pending = this.subscriber;
    pending.catch(() => {
      if (this.subscriber === pending) this.subscriber = undefined;
    });
    return pending;
  }

  /** The shared route for a channel or pattern, subscribing on the connection the first time. */
  private async route(kind: Route['kind'], name: string): Promise<Route> {
    const key = `${kind}:${name}`;
    const existing = this.routes.get(key);
    if (existing) return existing;
    const subscriber = this.connect();
    const offset = this.namespace.length;
    const route: Route = {
      kind,
      name,
      handlers: new Set(),
      listener: (message, channel) => {
        const delivered = { channel: channel.slice(offset), message };
        for (const handler of route.handlers) handler(delivered);
      },
      ready: Promise.resolve(),
    };
    route.ready = subscriber.then((connection) =>
      kind === 'channel'
        ? connection.subscribe(this.namespace + name, route.listener)
        : connection.pSubscribe(escapeGlob(this.namespace) + name, route.listener),
    );
    route.ready.catch(() => {
      if (this.routes.get(key) === route) this.routes.delete(key);
    });
    this.routes.set(key, route);
    return route;
  }

  private async drop(route: Route): Promise<void> {
    const key = `${route.kind}:${route.name}`;
    if (this.routes.get(key) !== route) return;
    this.routes.delete(key);
    const connection = await this.subscriber?.catch(() => undefined);
    if (!connection) return;
    if (route.kind === 'channel') await connection.unsubscribe(this.namespace + route.name, route.listener);
    else await connection.pUnsubscribe(escapeGlob(this.namespace) + route.name, route.listener);
  }
}
