import { createHash } from 'node:crypto';
import type { RedisArgument, RedisConnection } from '@tristack/core';
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

  async run(
    connection: RedisConnection,
    keys: readonly string[],
    args: readonly RedisArgument[] = [],
  ): Promise<unknown> {
    const tail = [String(keys.length), ...keys, ...args];
    const options = { key: keys[0] };
    try {
      return await connection.sendCommand(['EVALSHA', this.sha1, ...tail], options);
    } catch (error) {
      if (isServerReplyError(error) && error.message.startsWith('NOSCRIPT')) {
        return connection.sendCommand(['EVAL', this.source, ...tail], options);
      }
      throw error;
    }
  }
}
