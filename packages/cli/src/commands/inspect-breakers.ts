import type { CircuitBreakerInspector, CircuitSnapshot } from '@tristack/core';
import { type CliCommand, type CliContext, parseCount, tableFor } from '../command.js';
import { discoveryOptionsOf, scanLimitOption, undecodableKeyLabel } from '../discovery.js';
import { formatDuration, formatTime } from '../output.js';
import { escapeControl, jsonText } from '../terminal-text.js';

/** The deployment's breaker inspector; `close` lets go of what it opened. */
async function breakerInspectorOf(
  context: CliContext,
  window: { windowMs: number; windowBuckets: number },
): Promise<CircuitBreakerInspector & { close(): Promise<void> }> {
  if (context.postgres) {
    const { PostgresCircuitBreaker } = await import('@tristack/postgres');
    // No LISTEN: every state is read from the server, and an outage is an error here.
    const breaker = new PostgresCircuitBreaker({
      pool: await context.postgres(),
      schema: context.prefix,
      listen: false,
      onBackendUnavailable: 'reject',
      ...window,
    });
    return { ...breaker.inspector(), close: () => breaker.close() };
  }
  const { RedisCircuitBreakerInspector } = await import('@tristack/redis');
  return new RedisCircuitBreakerInspector({
    client: await context.redis(),
    prefix: context.prefix,
    ...window,
  });
}

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
    // Reads through the driver's read-only script, with no subscription; an outage is an error
    // here, not a local guess.
    const { TristackError } = await import('@tristack/core');
    const inspector = await breakerInspectorOf(context, {
      windowMs: parseCount(context.options['window'], 'window', 10_000),
      windowBuckets: parseCount(context.options['buckets'], 'buckets', 10),
    });
    let names = context.args;
    let truncated = false;
    let undecodableKeys: string[] = [];
    let settled: PromiseSettledResult<CircuitSnapshot>[];
    try {
      if (names.length === 0) {
        const listed = await inspector.list(discoveryOptionsOf(context));
        ({ found: names, truncated, undecodable: undecodableKeys } = listed);
      }
      // Each breaker on its own: one that cannot be read is reported, the others still shown.
      settled = await Promise.allSettled(names.map((name) => inspector.state(name)));
    } finally {
      await inspector.close();
    }
    // A name the operator typed that the driver rejects is a usage error, not a finding.
    const rejected = settled.find(
      (result) => result.status === 'rejected' && TristackError.hasCode(result.reason, 'INVALID_INPUT'),
    );
    if (rejected && context.args.length > 0) throw (rejected as PromiseRejectedResult).reason;
    const snapshots: CircuitSnapshot[] = [];
    const failed: { name: string; error: string }[] = [];
    settled.forEach((result, index) => {
      if (result.status === 'fulfilled') snapshots.push(result.value);
      else
        failed.push({
          name: names[index]!,
          error: (result.reason as Error)?.message ?? String(result.reason),
        });
    });
    const code = failed.length > 0 ? 1 : 0;
    if (context.json) {
      const state = {
        breakers: snapshots,
        ...(failed.length > 0 ? { failed } : {}),
        ...(undecodableKeys.length > 0 ? { undecodableKeys } : {}),
        truncated,
      };
      context.out(`${jsonText(state, 2)}\n`);
      return code;
    }
    const { style } = context;
    if (snapshots.length + failed.length + undecodableKeys.length === 0) {
      context.out('no circuit breakers (none has recorded anything, or their state expired)\n');
      return 0;
    }
    const color = { closed: style.green, open: style.red, 'half-open': style.yellow } as const;
    const unknownRow = (label: string, state: string, detail: string) => [
      label,
      style.yellow(state),
      ...Array.from({ length: 6 }, () => '-'),
      detail,
    ];
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
        [
          ...snapshots.map((snapshot) => [
            escapeControl(snapshot.name),
            color[snapshot.state](snapshot.state),
            String(snapshot.trips),
            String(snapshot.calls),
            snapshot.failures ? style.yellow(String(snapshot.failures)) : '0',
            String(snapshot.consecutiveFailures),
            `${snapshot.probesInFlight} in flight, ${snapshot.probeSuccesses} ok`,
            snapshot.retryAfterMs ? formatDuration(snapshot.retryAfterMs) : '-',
            snapshot.changedAt ? formatTime(snapshot.changedAt) : 'never',
          ]),
          ...failed.map((entry) =>
            unknownRow(escapeControl(entry.name), 'unreadable', escapeControl(entry.error)),
          ),
          ...undecodableKeys.map((key) => unknownRow(undecodableKeyLabel(key), 'unknown', '-')),
        ],
      ),
    );
    if (truncated) context.err('tristack: stopped at --scan-limit breakers; name the ones you want\n');
    return code;
  },
};
