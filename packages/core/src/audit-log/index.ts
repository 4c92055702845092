// The audit log's user API (also exported from the package root). Material for driver authors (base
// class, chain hashing, schemas, query matching) is exported from ../driver-kit/index.ts instead.
export type {
  AuditLayer,
  AuditEvent,
  AuditEventInput,
  AuditEventType,
  AuditEventData,
  AuditEventDataMap,
  KnownAuditEventType,
  CustomAuditEventType,
  AuditTokenUsage,
  AuditError,
  AuditAuthorizationStatus,
  AuditToolFailureOutcome,
  AuditCircuitState,
} from './audit-event.js';
export { Redactor, REDACTED, type RedactorOptions } from './redactor.js';
export type {
  AuditChainAnchor,
  AuditChainHead,
  AuditChainIssue,
  AuditChainIssueKind,
  AuditVerifyResult,
} from './audit-chain.js';
export type {
  AuditFollowOptions,
  AuditLog,
  AuditLogOptions,
  AuditQuery,
  AuditPage,
  AuditVerifyOptions,
  AuditTrimOptions,
  AuditTrimResult,
} from './audit-log.js';
export { iterateAuditEvents, exportAuditJsonLines } from './export-audit-log.js';
export { InMemoryAuditLog, InMemoryAuditStore, type InMemoryAuditLogOptions } from './in-memory-audit-log.js';
export type { AuditLogInspector } from './audit-log-inspector.js';
