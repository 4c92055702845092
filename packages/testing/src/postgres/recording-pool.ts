import type pg from 'pg';

/** A pool that records every statement sent through `query` (one entry = one round trip). */
export interface RecordingPool extends pg.Pool {
  /** The statements' texts, in order, since the last `clear()`. */
  statements(): string[];
  /** Checked-out clients since the last `clear()` (a transaction over several round trips). */
  checkouts(): number;
  clear(): void;
}

/**
 * Wraps `pool` so a test can prove how many round trips a call costs: each `pool.query` is one;
 * a `pool.connect()` (several statements on one client) is counted apart. The wrapper shares the
 * pool's connections; ending it ends the pool.
 */
export function recordingPool(pool: pg.Pool): RecordingPool {
  let statements: string[] = [];
  let checkouts = 0;
  return new Proxy(pool, {
    get(target, property, receiver) {
      if (property === 'statements') return () => [...statements];
      if (property === 'checkouts') return () => checkouts;
      if (property === 'clear')
        return () => {
          statements = [];
          checkouts = 0;
        };
      if (property === 'query')
        return (config: string | pg.QueryConfig, ...rest: unknown[]) => {
          statements.push(typeof config === 'string' ? config : config.text);
          return (target.query as (...args: unknown[]) => unknown)(config, ...rest);
        };
      if (property === 'connect')
        return (...args: unknown[]) => {
          checkouts++;
          return (target.connect as (...args: unknown[]) => unknown)(...args);
        };
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  }) as RecordingPool;
}
