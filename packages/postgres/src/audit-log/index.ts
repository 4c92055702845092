export { PostgresAuditLog, type PostgresAuditLogOptions } from './postgres-audit-log.js';
