import type { RedisClientType, RedisClusterType } from 'redis';
import type { IdentityTally } from './identity-tally.js';

/** What the Redis suites fuzz through: the harness's client (`useRedis`) or cluster (`useRedisCluster`). */
export type RedisFuzzClient = RedisClientType | RedisClusterType;

/**
 * Where one fuzz case runs: the server (or cluster), a key prefix private to the test, and how hard.
 * `Client` is what the drivers are built on: a Redis client by default, a `pg.Pool` for Postgres.
 */
export interface FuzzTarget<Client = RedisFuzzClient> {
  /** The harness's client (`useRedis`), cluster (`useRedisCluster`) or the suite's own (a `pg.Pool`). */
  readonly client: Client;
  readonly prefix: string;
  /** Hostile ids per API. */
  readonly count: number;
  /** Calls in flight at once. */
  readonly concurrency: number;
}

/** One id-taking API fuzzed with hostile ids; resolves with one tally per id it takes. */
export type FuzzCase<Client = RedisFuzzClient> = (target: FuzzTarget<Client>) => Promise<IdentityTally[]>;

/** A fuzz case with the name its test carries. */
export type NamedFuzzCase<Client = RedisFuzzClient> = readonly [name: string, run: FuzzCase<Client>];

/** Distinct content per id index: what a crossing would show up as. */
export const markerOf = (index: number): string => `marker-${index}`;

/** A key prefix of its own per API, so one API's ids never meet another's data in the tally. */
export function prefixFor(target: Pick<FuzzTarget<unknown>, 'prefix'>, api: string): string {
  return `${target.prefix}.${api.replace(/[^A-Za-z0-9]+/g, '-')}`.slice(0, 64);
}

/**
 * Builds one driver of a primitive for a fuzzed API on `target`, with the options the fuzz case
 * needs (none for most primitives): a Redis driver under `prefixFor(target, api)`, a Postgres one in
 * a schema of its own, so one API's ids never meet another's data.
 */
export type FuzzDriverFactory<Driver, Client = RedisFuzzClient, Options = void> = (
  target: FuzzTarget<Client>,
  api: string,
  options: Options,
) => Driver | Promise<Driver>;
