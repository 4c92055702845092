import { createHash } from 'node:crypto';
import type { RedisArgument, RedisConnection } from '@tristack/core/driver-kit';
import { isServerReplyError } from './connection.js';

/**
 * A Lua script run with EVALSHA: one round trip in the common case. When the server does not
 * know the script (restart, failover, another cluster node), EVAL sends and caches it.
 * All keys of one call must share a hash slot; the first key routes the call on a cluster.
 */
export class RedisScript {
  readonly sha1: string;

  constructor(
    readonly name: string,
    readonly source: string,
  ) {
    this.sha1 = createHash('sha1').update(source).digest('hex');
  }

  run(
    connection: RedisConnection,
    keys: readonly string[],
    args: readonly RedisArgument[] = [],
  ): Promise<unknown> {
    // One array, built once: every primitive's write goes through here.
    const command: RedisArgument[] = ['EVALSHA', this.sha1, String(keys.length)];
    for (const key of keys) command.push(key);
    for (const arg of args) command.push(arg);
    const options = { key: keys[0] };
    try {
      return connection.sendCommand(command, options).catch((error: unknown) => {
        if (isServerReplyError(error) && error.message.startsWith('NOSCRIPT')) {
          // A fresh array: a connection may keep the one it was given (recording ones do).
          return connection.sendCommand(['EVAL', this.source, ...command.slice(2)], options);
        }
        throw error;
      });
    } catch (error) {
      // A connection that throws instead of rejecting still fails as a rejected promise.
      return Promise.reject(error);
    }
  }
}
