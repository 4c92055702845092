import type { CliContext } from '../command.js';
import { discoveryOptionsOf } from '../discovery.js';
import { escapeControl } from '../terminal-text.js';
import { auditInspectorOf } from './audit-log-of.js';

/** The tenants with an audit chain, as `tenants()` discovers them. */
export async function knownTenants(context: CliContext): Promise<{ tenants: string[]; truncated: boolean }> {
  const inspector = await auditInspectorOf(context);
  const { found, truncated } = await inspector.tenants(discoveryOptionsOf(context));
  return { tenants: found, truncated };
}

/** A tenant list for a message: escaped, the first 20. */
export function tenantList(tenants: readonly string[]): string {
  const shown = tenants.slice(0, 20).map(escapeControl).join(', ');
  return tenants.length > 20 ? `${shown}, … (${tenants.length - 20} more)` : shown;
}

/**
 * What to tell the operator about a tenant with no audit chain: it does not exist, and which
 * tenants do (a misspelt `--tenant`, or events recorded under `default`).
 */
export async function tenantHint(context: CliContext, tenantId: string): Promise<string> {
  const { tenants, truncated } = await knownTenants(context);
  const head = `tristack: no audit chain for tenant "${escapeControl(tenantId)}" (nothing was recorded for it)\n`;
  if (tenants.length === 0)
    return `${head}no tenant has an audit chain under prefix ${escapeControl(context.prefix)}\n`;
  return `${head}tenants with an audit chain: ${tenantList(tenants)}${truncated ? ', … (stopped at --scan-limit)' : ''}\n`;
}
