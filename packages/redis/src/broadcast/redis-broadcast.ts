import { InvalidOptionsError, type BroadcastErrorHandler, type BroadcastMessage } from '@tristack/core';
import {
  BaseBroadcast,
  broadcastOptionsSchema,
  parseOptions,
  type BroadcastListenTarget,
  type RedisConnection,
} from '@tristack/core/driver-kit';
import { toRedisConnection } from '../connection.js';
import { splitRedisDriverOptions, type RedisDriverOptions } from '../driver-options.js';
import { RedisScript } from '../script.js';
import publishSource from './lua/publish-1.lua.generated.js';

const DRIVER = 'redis';

// Keyed PUBLISH, so a channel's messages keep their order on a cluster (see ./lua/publish-1.lua).
const publishScript = new RedisScript('broadcast-publish', publishSource);

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
export class RedisBroadcast extends BaseBroadcast {
  private readonly connection: RedisConnection;
  private readonly source: { duplicate(): unknown };
  private readonly namespace: string;
  private readonly routes = new Map<string, Route>();
  private subscriber: Promise<SubscriberLike> | undefined;

  constructor(options: RedisBroadcastOptions) {
    const { client, prefix, rest } = splitRedisDriverOptions(options, 'RedisBroadcast');
    const parsed = parseOptions(broadcastOptionsSchema.strict(), rest, {
      what: 'RedisBroadcast',
      driver: DRIVER,
    });
    super(parsed, DRIVER);
    if (typeof (client as { duplicate?: unknown }).duplicate !== 'function' || !('subscribe' in client))
      throw new InvalidOptionsError(
        'invalid RedisBroadcast options: client: pub/sub needs a node-redis client or cluster',
        { driver: DRIVER },
      );
    this.source = client as unknown as { duplicate(): unknown };
    this.connection = toRedisConnection(client, DRIVER);
    this.namespace = `${prefix}:broadcast:`;
  }

  protected async send(channel: string, message: string): Promise<void> {
    await publishScript.run(this.connection, [this.namespace + channel], [message]);
  }

  protected async listen(
    target: BroadcastListenTarget,
    deliver: (message: BroadcastMessage) => void,
  ): Promise<() => Promise<void>> {
    const route = await ('pattern' in target
      ? this.route('pattern', target.pattern)
      : this.route('channel', target.channel));
    route.handlers.add(deliver);
    try {
      await route.ready;
    } catch (error) {
      route.handlers.delete(deliver);
      throw error;
    }
    return async () => {
      if (!route.handlers.delete(deliver) || route.handlers.size > 0) return;
      await this.drop(route);
    };
  }

  protected async stopListening(): Promise<void> {
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
