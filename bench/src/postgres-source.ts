import { findPostgresBinaries, HOW_TO_GET_POSTGRES, startPostgresCluster } from '@tristack/testing/postgres';

export interface BenchPostgres {
  /** Connection string of the server's `postgres` database. */
  url: string;
  /** Stops and deletes a cluster this run started; nothing for `DATABASE_URL`. */
  release(): Promise<void>;
}

/**
 * The run's PostgreSQL, found like the test harness finds it: `DATABASE_URL`, else a throwaway
 * cluster (`initdb` + `pg_ctl` from Debian's `postgresql` package). A string says why there is none.
 */
export async function benchPostgres(): Promise<BenchPostgres | string> {
  const given = process.env['DATABASE_URL'];
  if (given) return { url: given, release: async () => undefined };
  const binaries = findPostgresBinaries();
  if (!binaries) return `no DATABASE_URL and no PostgreSQL binaries; ${HOW_TO_GET_POSTGRES}`;
  try {
    const cluster = await startPostgresCluster(binaries);
    return { url: cluster.url, release: () => cluster.destroy() };
  } catch (error) {
    return `could not start a throwaway cluster: ${(error as Error).message}`;
  }
}
