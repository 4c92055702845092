import type { CircuitSnapshot } from '@tristack/core';
import { RedisCircuitBreaker } from '@tristack/redis/circuit-breaker';
import { toRedisConnection } from '@tristack/redis';
import { type CliCommand, parseCount, tableFor } from '../command.js';
import { formatDuration, formatTime } from '../output.js';
import { globEscape, hashTagIds, scanForContext, scanLimitOption } from '../redis-reads.js';

export const inspectBreakersCommand: CliCommand = {
  path: ['inspect', 'breakers'],
  usage: '[name…]',
  summary:
    'circuit breakers: state, trips, calls/failures in the window, retry-after, last change (all, or the names given)',
  options: {
    window: {
      type: 'string',
      value: 'ms',
      description: "the breakers' windowMs, for the window counts (default 10000, the driver's default)",
    },
    buckets: {
      type: 'string',
      value: 'n',
      description: "the breakers' windowBuckets (default 10, the driver's default)",
    },
    ...scanLimitOption,
  },
  async run(context) {
    const client = await context.redis();
    let names = context.args;
    let truncated = false;
    if (names.length === 0) {
      // One hash per breaker: `<prefix>:circuit-breaker:{<name>}:state`.
      const scanned = await scanForContext(
        context,
        `${globEscape(context.prefix)}:circuit-breaker:{*}:state`,
      );
      truncated = scanned.truncated;
      names = scanned.keys.flatMap((key) => hashTagIds(key)?.join(':') ?? []);
    }
    // getState runs the driver's read-only script. A bare connection as client: no pub/sub
    // subscription; 'reject': an outage is an error here, not a local guess.
    const breaker = new RedisCircuitBreaker({
      client: toRedisConnection(client),
      prefix: context.prefix,
      onBackendUnavailable: 'reject',
      windowMs: parseCount(context.options['window'], 'window', 10_000),
      windowBuckets: parseCount(context.options['buckets'], 'buckets', 10),
    });
    let snapshots: CircuitSnapshot[];
    try {
      snapshots = await Promise.all(names.map((name) => breaker.getState(name)));
    } finally {
      await breaker.close();
    }
    if (context.json) {
      context.out(`${JSON.stringify({ breakers: snapshots, truncated }, null, 2)}\n`);
      return 0;
    }
    const { style } = context;
    if (snapshots.length === 0) {
      context.out('no circuit breakers (none has recorded anything, or their state expired)\n');
      return 0;
    }
    const color = { closed: style.green, open: style.red, 'half-open': style.yellow } as const;
    context.out(
      tableFor(
        context,
        [
          'BREAKER',
          'STATE',
          'TRIPS',
          'CALLS',
          'FAILURES',
          'CONSECUTIVE',
          'PROBES',
          'RETRY AFTER',
          'CHANGED AT',
        ],
        snapshots.map((snapshot) => [
          snapshot.name,
          color[snapshot.state](snapshot.state),
          String(snapshot.trips),
          String(snapshot.calls),
          snapshot.failures ? style.yellow(String(snapshot.failures)) : '0',
          String(snapshot.consecutiveFailures),
          `${snapshot.probesInFlight} in flight, ${snapshot.probeSuccesses} ok`,
          snapshot.retryAfterMs ? formatDuration(snapshot.retryAfterMs) : '-',
          snapshot.changedAt ? formatTime(snapshot.changedAt) : 'never',
        ]),
      ),
    );
    if (truncated) context.err('tristack: stopped at --scan-limit breakers; name the ones you want\n');
    return 0;
  },
};
