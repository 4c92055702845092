export { RedisAuditLog, type RedisAuditLogOptions } from './redis-audit-log.js';
export { RedisAuditLogInspector } from './redis-audit-log-inspector.js';
