import { existsSync, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Where a throwaway cluster's programs live: the folder holding `initdb`, `pg_ctl` and `postgres`. */
export interface PostgresBinaries {
  readonly binDir: string;
}

/** How to get the binaries, for NOT RUN messages. */
export const HOW_TO_GET_POSTGRES =
  'install the postgresql package (`bash scripts/postgres-server.sh install` on Debian/Ubuntu), ' +
  'put initdb and pg_ctl on PATH, set TRISTACK_POSTGRES_BIN to their folder, or set DATABASE_URL';

const PROGRAMS = ['initdb', 'pg_ctl', 'postgres'];

function hasPrograms(dir: string): boolean {
  return PROGRAMS.every((program) => existsSync(join(dir, program)));
}

/**
 * Finds the PostgreSQL server programs: `TRISTACK_POSTGRES_BIN`, then Debian's
 * `/usr/lib/postgresql/<version>/bin` (newest first; Debian does not put `initdb` on PATH), then PATH.
 * Returns `undefined` when none has all of initdb, pg_ctl and postgres.
 */
export function findPostgresBinaries(): PostgresBinaries | undefined {
  const explicit = process.env.TRISTACK_POSTGRES_BIN;
  if (explicit) return hasPrograms(explicit) ? { binDir: explicit } : undefined;
  const debianRoot = '/usr/lib/postgresql';
  if (existsSync(debianRoot)) {
    const versions = readdirSync(debianRoot)
      .filter((name) => /^\d+$/.test(name))
      .sort((left, right) => Number(right) - Number(left));
    for (const version of versions) {
      const binDir = join(debianRoot, version, 'bin');
      if (hasPrograms(binDir)) return { binDir };
    }
  }
  for (const dir of (process.env.PATH ?? '').split(delimiter))
    if (dir && hasPrograms(dir)) return { binDir: dir };
  return undefined;
}
