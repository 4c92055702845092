export { RedisAuditLog, type RedisAuditLogOptions } from './redis-audit-log.js';
export { auditLogKeys, type AuditLogKeys } from './audit-log-keys.js';
