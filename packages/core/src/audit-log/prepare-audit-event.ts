import type { z } from 'zod';
import { parseInput, parseOptions } from '../validation.js';
import { InvalidInputError } from '../errors.js';
import {
  type AuditLayer,
  auditEventDataSchemas,
  auditEventEnvelopeSchema,
  auditEventLayers,
  customAuditEventTypeSchema,
  isKnownAuditEventType,
} from './audit-event.js';
import { type AuditLogOptions, auditLogOptionsSchema } from './audit-log.js';
import { Redactor } from './redactor.js';
import { activeTraceIds } from '../telemetry/tristack-telemetry.js';

/** An event after validation and redaction, ready for a driver to append. */
export interface PreparedAuditEvent {
  tenantId: string;
  layer: AuditLayer;
  type: string;
  userId?: string;
  conversationId?: string;
  runId?: string;
  data: Record<string, unknown>;
  /** The exact JSON text stored and hashed. */
  dataJson: string;
}

export interface ResolvedAuditLogOptions extends Omit<z.output<typeof auditLogOptionsSchema>, 'redactor'> {
  redactor: Redactor;
}

/** Parses the shared AuditLog options (drivers parse their own on top). */
export function resolveAuditLogOptions(options: AuditLogOptions, driver: string): ResolvedAuditLogOptions {
  const parsed = parseOptions(auditLogOptionsSchema, options, { what: 'AuditLog', driver });
  const redactor =
    parsed.redactor instanceof Redactor ? parsed.redactor : new Redactor(parsed.redactor ?? {});
  return { ...parsed, redactor };
}

/**
 * The redacted data; input that throws while read (a getter, a Proxy trap, a `toJSON`) is the
 * redactor's `InvalidInputError`, named for this driver.
 */
function redactEventData(
  redactor: Redactor,
  data: Record<string, unknown>,
  driver: string,
): Record<string, unknown> {
  try {
    return redactor.redactData(data);
  } catch (error) {
    if (!InvalidInputError.isInstance(error) || error.driver !== undefined) throw error;
    throw new InvalidInputError(error.message.replace(/^\[tristack\] /, ''), {
      driver,
      cause: error.cause,
      issues: error.issues,
    });
  }
}

const TRACE_ID = /^(?!0{32}$)[0-9a-f]{32}$/;
const SPAN_ID = /^(?!0{16}$)[0-9a-f]{16}$/;

/** What the log's own `traceId`/`spanId` add to the data's JSON: allowed over `maxEventBytes`. */
const TRACE_IDS_BYTES = Buffer.byteLength(`,"traceId":"${'0'.repeat(32)}","spanId":"${'0'.repeat(16)}"`);

/**
 * Rejects `traceId`/`spanId` the caller put in the data unless they are a W3C pair (lowercase hex,
 * not all zeros, both present): a free-form or null id would forge or hide the trace link.
 */
function checkCallerTraceIds(data: Record<string, unknown>, driver: string): void {
  const traceId = data['traceId'];
  const spanId = data['spanId'];
  if (traceId === undefined && spanId === undefined) return;
  if (
    typeof traceId === 'string' &&
    TRACE_ID.test(traceId) &&
    typeof spanId === 'string' &&
    SPAN_ID.test(spanId)
  )
    return;
  throw new InvalidInputError(
    'invalid audit event: data.traceId/data.spanId are recorded by the log from the active span; ' +
      'when given, they must be a W3C trace id (32 hex) and span id (16 hex)',
    { driver, issues: [{ path: ['data', 'traceId'], message: 'not a W3C trace id and span id pair' }] },
  );
}

/**
 * Sets the active OpenTelemetry trace's `traceId`/`spanId` (over any the caller gave) when a span
 * is active, so an audit entry and its trace find each other. They are part of the hashed data:
 * events recorded before (or without a span) have none and verify as before.
 */
function withTraceIds(data: Record<string, unknown>): { data: Record<string, unknown>; added: boolean } {
  const ids = activeTraceIds();
  if (!ids) return { data, added: false };
  const added = data['traceId'] === undefined;
  return { data: { ...data, traceId: ids.traceId, spanId: ids.spanId }, added };
}

/**
 * Validates the envelope and the type's data schema, then redacts. Throws `InvalidInputError`
 * (nothing is written) for an unknown type, a bad field, a custom event without a layer, or data
 * larger than `maxEventBytes` after redaction (the log's own trace ids not counted), or
 * `traceId`/`spanId` in the data that are not a W3C pair.
 */
export function prepareAuditEvent(
  input: unknown,
  options: ResolvedAuditLogOptions,
  driver: string,
): PreparedAuditEvent {
  const envelope = parseInput(auditEventEnvelopeSchema, input, { what: 'audit event', driver });
  let layer = envelope.layer;
  if (isKnownAuditEventType(envelope.type)) {
    parseInput(auditEventDataSchemas[envelope.type], envelope.data, {
      what: `${envelope.type} data`,
      driver,
    });
    layer ??= auditEventLayers[envelope.type];
  } else {
    parseInput(customAuditEventTypeSchema, envelope.type, { what: 'audit event type', driver });
    if (!layer) {
      throw new InvalidInputError(
        `invalid audit event: custom event "${envelope.type}" must name its layer`,
        {
          driver,
          issues: [{ path: ['layer'], message: 'required for custom events' }],
        },
      );
    }
  }
  checkCallerTraceIds(envelope.data, driver);
  const { data, added } = withTraceIds(redactEventData(options.redactor, envelope.data, driver));
  const dataJson = JSON.stringify(data);
  // Ids the log adds do not count: turning an SDK on must not make a fitting event fail.
  const bytes = Buffer.byteLength(dataJson, 'utf8') - (added ? TRACE_IDS_BYTES : 0);
  if (bytes > options.maxEventBytes) {
    throw new InvalidInputError(
      `invalid audit event: data is ${bytes} bytes after redaction, more than maxEventBytes (${options.maxEventBytes})`,
      { driver, issues: [{ path: ['data'], message: 'too large' }] },
    );
  }
  return {
    tenantId: envelope.tenantId ?? options.defaultTenantId,
    layer,
    type: envelope.type,
    ...(envelope.userId ? { userId: envelope.userId } : {}),
    ...(envelope.conversationId ? { conversationId: envelope.conversationId } : {}),
    ...(envelope.runId ? { runId: envelope.runId } : {}),
    data,
    dataJson,
  };
}
