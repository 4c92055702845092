import { afterAll, describe, it } from 'vitest';
import { useRedis, useRedisCluster } from '../redis/use-redis.js';
import { expectIsolated } from './expect-isolated.js';
import type { FuzzTarget, NamedFuzzCase, RedisFuzzClient } from './fuzz-target.js';
import { FUZZ_SEED } from './hostile-ids.js';
import { summaryTable, type IdentityTally } from './identity-tally.js';

/** Options of `runIdentityFuzz`; `Client` is what the cases' drivers are built on. */
export interface IdentityFuzzOptions<Client = RedisFuzzClient> {
  /**
   * `single`: the project's server (`useRedis`); `cluster`: the harness's 3-master cluster
   * (`useRedisCluster`); both for Redis clients only. Any other store: a `FuzzServer` of its own
   * (created at the top level of the file or describe block: it registers its harness's hooks).
   */
  readonly server: (Client extends RedisFuzzClient ? 'single' | 'cluster' : never) | FuzzServer<Client>;
  /** What is fuzzed, for the summary table's title (`@tristack/redis`). */
  readonly suite: string;
}

/** Where the cases run, as the test names and the summary table say it. */
export interface FuzzServer<Client = RedisFuzzClient> {
  /** For the describe block: the server kind, or "a 3-master cluster". */
  readonly name: string;
  /** For the summary table (read after the tests): the server kind with its server and version, or "cluster". */
  readonly detail: string;
  /** What each test promises. */
  readonly promise: string;
  /** Ids per API and calls in flight: fewer on the cluster, where every call may take a redirection. */
  readonly load: Pick<FuzzTarget<Client>, 'count' | 'concurrency'>;
  /** The client and this test's prefix (read inside a test: the harness connects in beforeAll). */
  target(): Pick<FuzzTarget<Client>, 'client' | 'prefix'>;
}

function redisFuzzServer(server: 'single' | 'cluster'): FuzzServer {
  const promise = 'each hostile id sees only its own data';
  if (server === 'cluster') {
    const redis = useRedisCluster();
    return {
      name: 'a 3-master cluster',
      detail: 'cluster',
      promise: `${promise}, on the right node`,
      load: { count: 1000, concurrency: 50 },
      target: () => ({ client: redis.cluster, prefix: redis.prefix }),
    };
  }
  const redis = useRedis();
  return {
    name: redis.server.kind,
    detail: `${redis.server.kind} (${redis.server.server} ${redis.server.version})`,
    promise,
    load: { count: 2000, concurrency: 100 },
    target: () => ({ client: redis.client, prefix: redis.prefix }),
  };
}

/**
 * Registers one test per case, each asserting 0 collisions, 0 untyped errors and 0 misrouted
 * calls (`expectIsolated`), and prints the summary table with the seed that replays the run.
 * Call once at the top of a test file: it registers the harness's hooks.
 */
export function runIdentityFuzz<Client = RedisFuzzClient>(
  cases: readonly NamedFuzzCase<Client>[],
  options: IdentityFuzzOptions<Client>,
): void {
  // A string names a Redis server, which the type allows only for Redis clients.
  const server =
    typeof options.server === 'string'
      ? (redisFuzzServer(options.server) as unknown as FuzzServer<Client>)
      : options.server;
  const tallies: IdentityTally[] = [];

  afterAll(() => {
    console.log(
      summaryTable(
        `[identity-fuzz] ${options.suite}, ${server.detail}, seed ${FUZZ_SEED} (replay: TRISTACK_FUZZ_SEED=${FUZZ_SEED})`,
        tallies,
      ),
    );
  });

  describe(`identity fuzz on ${server.name}, seed ${FUZZ_SEED}`, () => {
    for (const [name, run] of cases)
      it(`${name}: ${server.promise}`, { timeout: 120_000 }, async () => {
        const result = await run({ ...server.target(), ...server.load });
        tallies.push(...result);
        expectIsolated(result);
      });
  });
}
