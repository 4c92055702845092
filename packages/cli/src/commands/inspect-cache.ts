import type { SemanticCacheTenantState } from '@tristack/core';
import { type CliCommand, UsageError, tableFor } from '../command.js';
import { discoveryOptionsOf, scanLimitOption, undecodableKeyLabel } from '../discovery.js';
import { escapeControl, jsonText } from '../terminal-text.js';

/** One cache's tenant, as `--json` prints it. */
export type CacheTenantState = SemanticCacheTenantState;

export const inspectCacheCommand: CliCommand = {
  path: ['inspect', 'cache'],
  usage: '',
  summary:
    'semantic caches per cache name and tenant: entries per tier, lookups, exact and semantic hits, tokens saved, vector backend',
  options: { ...scanLimitOption },
  async run(context) {
    if (context.postgres)
      throw new UsageError('inspect cache reads a Redis deployment only: drop --postgres-url');
    const { RedisSemanticCacheInspector } = await import('@tristack/redis');
    const inspector = new RedisSemanticCacheInspector({
      client: await context.redis(),
      prefix: context.prefix,
    });
    const inspection = await inspector.tenants(discoveryOptionsOf(context));
    const { found: tenants, undecodable: undecodableKeys, truncated } = inspection;
    const { inUse, supported, reason } = inspection.vectorBackend;
    const vectorBackend = { inUse, serverSupports: supported, ...(reason ? { reason } : {}) };
    if (context.json) {
      const state = {
        vectorBackend,
        caches: tenants,
        ...(undecodableKeys.length > 0 ? { undecodableKeys } : {}),
        truncated,
      };
      context.out(`${jsonText(state, 2)}\n`);
      return 0;
    }
    const { style } = context;
    context.out(
      `${style.bold('vector backend')} ${inUse}${inUse === supported ? '' : ` (server supports ${supported})`}\n`,
    );
    if (reason) context.out(style.dim(`  ${escapeControl(reason)}\n`));
    const rate = (hits: number, lookups: number) =>
      lookups === 0 ? '-' : `${((hits / lookups) * 100).toFixed(1)}%`;
    if (tenants.length === 0)
      context.out('no semantic cache state (nothing stored or looked up, or it expired)\n');
    else
      context.out(
        tableFor(
          context,
          [
            'CACHE',
            'TENANT',
            'ENTRIES',
            'VECTORS',
            'SCOPES',
            'LOOKUPS',
            'EXACT HITS',
            'SEMANTIC HITS',
            'MISSES',
            'HIT RATE',
            'TOKENS SAVED',
            'COST SAVED',
          ],
          tenants.map((tenant) => [
            escapeControl(tenant.cache),
            escapeControl(tenant.tenant),
            String(tenant.exactEntries),
            tenant.semanticVectors === undefined ? '-' : String(tenant.semanticVectors),
            String(tenant.scopes),
            String(tenant.stats.lookups),
            String(tenant.stats.exactHits),
            String(tenant.stats.semanticHits),
            String(tenant.stats.misses),
            rate(tenant.stats.exactHits + tenant.stats.semanticHits, tenant.stats.lookups),
            String(tenant.stats.tokensSaved),
            `$${tenant.stats.costSavedUsd.toFixed(4)}`,
          ]),
        ),
      );
    // Keys the drivers cannot have written: listed, so they are seen, and left out of the counts.
    for (const key of undecodableKeys) context.out(`${undecodableKeyLabel(key)}\n`);
    if (truncated) context.err('tristack: stopped at --scan-limit keys; the counts are partial\n');
    return 0;
  },
};
