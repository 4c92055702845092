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
 * Validates the envelope and the type's data schema, then redacts. Throws `InvalidInputError`
 * (nothing is written) for an unknown type, a bad field, a custom event without a layer, or data
 * larger than `maxEventBytes` after redaction.
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
  const data = options.redactor.redactData(envelope.data);
  const dataJson = JSON.stringify(data);
  const bytes = Buffer.byteLength(dataJson, 'utf8');
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
