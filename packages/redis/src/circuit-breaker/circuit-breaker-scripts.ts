import type { CircuitState } from '@tristack/core';
import type { ResolvedCircuitBreakerOptions } from '@tristack/core/driver-kit';
import { RedisScript } from '../script.js';
import acquireSource from './lua/acquire-1.lua.generated.js';
import readSource from './lua/read-1.lua.generated.js';
import recordBatchSource from './lua/record-batch-1.lua.generated.js';
import recordProbeSource from './lua/record-probe-1.lua.generated.js';
import resetSource from './lua/reset-1.lua.generated.js';

// The Lua lives in ./lua: one file per script, the shared state machine (hash fields, ARGV 1…14,
// reply) in ./lua/includes/breaker-state.lua.
export const circuitScripts = {
  read: new RedisScript('circuit-breaker.read', readSource),
  acquire: new RedisScript('circuit-breaker.acquire', acquireSource),
  recordBatch: new RedisScript('circuit-breaker.record-batch', recordBatchSource),
  recordProbe: new RedisScript('circuit-breaker.record-probe', recordProbeSource),
  reset: new RedisScript('circuit-breaker.reset', resetSource),
} as const;

/** ARGV 4…14 of every script: the policy, in the order the prelude reads it. */
export function policyArguments(policy: ResolvedCircuitBreakerOptions): string[] {
  return [
    String(policy.failureRateThreshold ?? -1),
    String(policy.windowMs),
    String(policy.windowBuckets),
    String(policy.minimumCalls),
    String(policy.consecutiveFailures ?? -1),
    String(policy.openMs),
    String(policy.openBackoffMultiplier),
    String(policy.maxOpenMs),
    String(policy.halfOpenProbes),
    String(policy.probeTtlMs),
    String(policy.quorum),
  ];
}

/** A script's reply, decoded. */
export interface CircuitReply {
  state: CircuitState;
  retryAfterMs: number;
  changedAt: number;
  serverTime: number;
  trips: number;
  calls: number;
  failures: number;
  consecutiveFailures: number;
  failingInstances: number;
  probesInFlight: number;
  probeSuccesses: number;
  admitted: boolean;
  probeToken: string | undefined;
  /** JSON of the state change this call caused, if any. */
  event: string | undefined;
}

export function parseCircuitReply(raw: unknown): CircuitReply {
  const values = raw as [string, ...unknown[]];
  const number = (index: number) => Number(values[index]);
  const text = (index: number) => String(values[index] ?? '');
  return {
    state: text(0) as CircuitState,
    retryAfterMs: number(1),
    changedAt: number(2),
    serverTime: number(3),
    trips: number(4),
    calls: number(5),
    failures: number(6),
    consecutiveFailures: number(7),
    failingInstances: number(8),
    probesInFlight: number(9),
    probeSuccesses: number(10),
    admitted: number(11) === 1,
    probeToken: text(12) || undefined,
    event: text(13) || undefined,
  };
}
