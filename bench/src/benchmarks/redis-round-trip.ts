import type { Benchmark } from '../benchmark.js';

/** Calibrates the harness: SET and GET against the PING floor, and redis-benchmark's own PING rate. */
export const redisRoundTrip: Benchmark = {
  name: 'redis-round-trip',
  description: 'node-redis SET/GET against the PING floor (harness calibration)',
  async setup(context) {
    const native = context.redisBenchmark(['-t', 'ping_mbulk'], 20_000);
    if (native !== undefined)
      console.log(`redis-benchmark PING: ${native.toFixed(0)} req/s (server ceiling)`);
    else console.log('redis-benchmark not found: server ceiling not measured');
    return {
      cases: [
        { name: 'node-redis SET', run: (index) => context.client.set(`bench:rt:${index % 1000}`, 'v') },
        { name: 'node-redis GET', run: (index) => context.client.get(`bench:rt:${index % 1000}`) },
      ],
      cleanup: async () => {
        await context.client.flushDb();
      },
    };
  },
};
