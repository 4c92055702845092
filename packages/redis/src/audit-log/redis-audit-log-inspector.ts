import type { AuditLogInspector, Discovery, DiscoveryOptions } from '@tristack/core';
import type { RedisClientInput } from '../connection.js';
import { splitRedisDriverOptions, type RedisDriverOptions } from '../driver-options.js';
import { discoverOwners } from '../scan-keys.js';

/**
 * `AuditLogInspector` on the keys `RedisAuditLog` writes: every tenant's chain has a head hash
 * (`<prefix>:audit:{<tenant>}:head`), found with SCAN (every master of a cluster). Reads only.
 */
export class RedisAuditLogInspector implements AuditLogInspector {
  private readonly client: RedisClientInput;
  private readonly prefix: string;

  constructor(options: RedisDriverOptions) {
    const { client, prefix } = splitRedisDriverOptions(options, 'RedisAuditLogInspector');
    this.client = client;
    this.prefix = prefix;
  }

  tenants(options?: DiscoveryOptions): Promise<Discovery<string>> {
    return discoverOwners(this.client, { prefix: this.prefix, primitive: 'audit', tail: 'head' }, options);
  }
}
