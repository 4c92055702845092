import { validateId } from '../ids.js';
import { parseInput, unreadableInputError } from '../validation.js';
import {
  circuitOutcomeSchema,
  circuitPermitSchema,
  type CircuitOutcome,
  type CircuitPermit,
} from './circuit-breaker.js';

// The closed path is meant to cost microseconds: names seen before and well-formed outcomes skip
// the zod parse; anything unusual still goes through it, so errors stay typed and precise.
const knownNames = new Set<string>();
const KNOWN_NAMES_LIMIT = 4096;

/** Validates a breaker name (an id); throws `InvalidInputError`. */
export function validateCircuitName(name: unknown, driver: string): string {
  if (typeof name === 'string' && knownNames.has(name)) return name;
  const valid = validateId(name, 'name', driver);
  if (knownNames.size >= KNOWN_NAMES_LIMIT) knownNames.clear();
  knownNames.add(valid);
  return valid;
}

/** Validates an outcome; throws `InvalidInputError`. */
export function validateCircuitOutcome(outcome: unknown, driver: string): CircuitOutcome {
  const candidate = outcome as { status?: unknown; durationMs?: unknown } | null;
  let plain: boolean;
  try {
    plain =
      typeof candidate === 'object' &&
      candidate !== null &&
      (candidate.status === 'success' || candidate.status === 'failure' || candidate.status === 'ignored') &&
      (candidate.durationMs === undefined ||
        (typeof candidate.durationMs === 'number' &&
          Number.isFinite(candidate.durationMs) &&
          candidate.durationMs >= 0));
  } catch (error) {
    // A throwing getter or Proxy trap.
    throw unreadableInputError(error, outcome, { what: 'outcome', driver });
  }
  if (plain) return outcome as CircuitOutcome;
  return parseInput(circuitOutcomeSchema, outcome, { what: 'outcome', driver }) as CircuitOutcome;
}

const ISSUER = Symbol('tristack.circuit-permit.issuer');
const SETTLED = Symbol('tristack.circuit-permit.settled');
const TAG = Symbol('tristack.circuit-permit.tag');
const SELF = Symbol('tristack.circuit-permit.self');

type LedgerPermit = CircuitPermit & {
  [ISSUER]?: object;
  [SETTLED]?: boolean;
  [TAG]?: unknown;
  /** The object itself: a spread copy (`{ ...permit, name: 'x' }`) carries the original's, so it is not trusted. */
  [SELF]?: object;
};

/**
 * The permits one breaker handed out. Marks live on the permit objects themselves (symbol keys,
 * invisible to JSON and to callers) rather than in WeakSets, which cost the hot path a garbage
 * collector's ephemeron work per call.
 */
export class CircuitPermitLedger {
  /** A new permit marked as this breaker's, with an optional driver tag. */
  issue(name: string, probeToken: string | undefined, acquiredAt: number, tag?: unknown): CircuitPermit {
    const permit: LedgerPermit = {
      name,
      probeToken,
      acquiredAt,
      [ISSUER]: this,
      [SETTLED]: false,
      [TAG]: tag,
      [SELF]: undefined,
    };
    permit[SELF] = permit;
    return permit;
  }

  private owns(permit: unknown): permit is LedgerPermit {
    return (
      typeof permit === 'object' &&
      permit !== null &&
      (permit as LedgerPermit)[ISSUER] === this &&
      (permit as LedgerPermit)[SELF] === permit
    );
  }

  /** Validates a permit, trusting the ones this ledger issued; throws `InvalidInputError`. */
  validate(permit: unknown, driver: string): CircuitPermit {
    if (this.owns(permit)) return permit;
    return parseInput(circuitPermitSchema, permit, { what: 'permit', driver }) as CircuitPermit;
  }

  /** The driver tag the permit was issued with (undefined for foreign permits). */
  tagOf(permit: CircuitPermit): unknown {
    return this.owns(permit) ? permit[TAG] : undefined;
  }

  /**
   * True the first time an issued permit is settled, false on a repeat: recording one call twice
   * would count it twice. Foreign permits (rebuilt from JSON) cannot be tracked and always pass.
   */
  settle(permit: CircuitPermit): boolean {
    if (!this.owns(permit)) return true;
    if (permit[SETTLED]) return false;
    permit[SETTLED] = true;
    return true;
  }
}
