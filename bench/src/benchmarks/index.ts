import type { Benchmark } from '../benchmark.js';
import { redisRoundTrip } from './redis-round-trip.js';

/** Every benchmark, by name. Later primitives add their rows here. */
export const benchmarks: readonly Benchmark[] = [redisRoundTrip];
