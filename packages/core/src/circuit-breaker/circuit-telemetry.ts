import { TelemetryAttribute, TelemetryEventName } from '../telemetry/telemetry-attributes.js';
import { coreTelemetry, recordingSpan } from '../telemetry/tristack-telemetry.js';
import type { CircuitStateChange } from './circuit-breaker.js';

/** Breakers whose changes another breaker re-emits (and counts). */
const shadowBreakers = new WeakSet<object>();

/**
 * Marks `breaker` as the shadow of another: a driver's local fallback whose changes the driver
 * re-emits as its own. Its changes are then not counted twice.
 */
export function markShadowCircuitBreaker(breaker: object): void {
  shadowBreakers.add(breaker);
}

/**
 * A state change this instance made: counted (`to: 'open'` is a trip) and, when a span is
 * recording, noted on it. Remote changes are left to the instance that made them (no double count).
 */
export function recordStateChange(breaker: object, change: CircuitStateChange): void {
  if (shadowBreakers.has(breaker)) return;
  const attributes = {
    [TelemetryAttribute.breakerName]: change.name,
    [TelemetryAttribute.breakerState]: change.to,
    [TelemetryAttribute.breakerReason]: change.reason,
  };
  coreTelemetry.instruments.breakerTransitions.add(1, attributes);
  recordingSpan()?.addEvent(TelemetryEventName.breakerStateChange, attributes);
}
