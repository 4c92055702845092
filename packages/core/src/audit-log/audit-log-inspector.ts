import type { Discovery, DiscoveryOptions } from '../inspection.js';

/** Read-only view of audit logs across tenants. */
export interface AuditLogInspector {
  /** Every tenant with an audit chain in the store, sorted. */
  tenants(options?: DiscoveryOptions): Promise<Discovery<string>>;
}
