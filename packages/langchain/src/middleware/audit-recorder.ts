import type { AuditEventInput, AuditEventType, AuditLog } from '@tristack/core';
import { TelemetryAttribute, TelemetryEventName, recordingSpan } from '@tristack/core/driver-kit';
import type { RunIdentity } from '../run-context.js';

/** What to do when the audit log refuses or fails an event. */
export type AuditFailurePolicy = 'throw' | 'ignore' | ((error: unknown) => void);

/** Records events with the run's identity as envelope; failures follow the policy. */
export class AuditRecorder {
  constructor(
    private readonly auditLog: AuditLog,
    private readonly onError: AuditFailurePolicy = 'throw',
  ) {}

  async record<Type extends AuditEventType>(
    identity: RunIdentity,
    type: Type,
    data: AuditEventInput<Type>['data'],
  ): Promise<void> {
    const envelope = {
      ...(identity.tenantId ? { tenantId: identity.tenantId } : {}),
      ...(identity.userId ? { userId: identity.userId } : {}),
      ...(identity.conversationId ? { conversationId: identity.conversationId } : {}),
      ...(identity.runId ? { runId: identity.runId } : {}),
    };
    try {
      const event = await this.auditLog.record({
        ...envelope,
        type,
        data,
      } as unknown as AuditEventInput<Type>);
      // The trace points back to the audit entry (the entry carries the trace's ids).
      recordingSpan()?.addEvent(TelemetryEventName.auditRecorded, {
        [TelemetryAttribute.auditEventId]: event.id,
        [TelemetryAttribute.auditEventType]: type,
      });
    } catch (error) {
      if (this.onError === 'throw') throw error;
      if (typeof this.onError === 'function') this.onError(error);
    }
  }
}

/** The error fields an audit event keeps. */
export function auditError(error: unknown): { message: string; name?: string; code?: string } {
  const candidate = error as { message?: unknown; name?: unknown; code?: unknown };
  return {
    message: typeof candidate?.message === 'string' ? candidate.message : String(error),
    ...(typeof candidate?.name === 'string' ? { name: candidate.name } : {}),
    ...(typeof candidate?.code === 'string' ? { code: candidate.code } : {}),
  };
}
