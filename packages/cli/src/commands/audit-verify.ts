import type { AuditVerifyResult } from '@tristack/core';
import {
  type CliCommand,
  type CliContext,
  UsageError,
  timeRange,
  timeRangeOptions,
  tableFor,
} from '../command.js';
import { discoveryOptionsOf, scanLimitOption, undecodableKeyLabel } from '../discovery.js';
import { escapeControl, jsonText } from '../terminal-text.js';
import { auditInspectorOf, auditLogOf } from './audit-log-of.js';
import { tenantHint } from './tenant-hint.js';

/** One tenant's verdict as text: a line, and the problems when the chain is broken. */
function renderResult(context: CliContext, tenantId: string, result: AuditVerifyResult): void {
  const { style } = context;
  const head = `head sequence ${result.head.sequence}, hash ${result.head.hash}`;
  const anchor =
    result.head.anchor.sequence > 0 ? `, anchored after trimmed sequence ${result.head.anchor.sequence}` : '';
  if (result.valid) {
    context.out(
      `${style.green('valid')}: tenant ${escapeControl(tenantId)}, ${result.checked} entries checked (${head}${anchor})\n`,
    );
    return;
  }
  context.out(
    `${style.red('BROKEN')}: tenant ${escapeControl(tenantId)}, ${result.issues.length} problem${result.issues.length === 1 ? '' : 's'} in ${result.checked} entries checked (${head}${anchor})\n`,
  );
  context.out(
    tableFor(
      context,
      ['KIND', 'SEQUENCE', 'ENTRY', 'WHAT'],
      result.issues.map((issue) => [
        style.red(issue.kind),
        String(issue.sequence),
        issue.id ? escapeControl(issue.id) : '-',
        escapeControl(issue.message),
      ]),
    ),
  );
}

/** `--all`: every tenant with a chain in the store, each verified. */
async function verifyAll(context: CliContext): Promise<number> {
  const inspector = await auditInspectorOf(context);
  const { found, undecodable, truncated } = await inspector.tenants(discoveryOptionsOf(context));
  const log = await auditLogOf(context);
  const results: AuditVerifyResult[] = [];
  for (const tenantId of found) results.push(await log.verify(tenantId, timeRange(context.options)));
  const code = results.every((result) => result.valid) ? 0 : 1;
  if (context.json) {
    const state = {
      tenants: results,
      ...(undecodable.length > 0 ? { undecodableKeys: undecodable } : {}),
      truncated,
    };
    context.out(`${jsonText(state, 2)}\n`);
    return code;
  }
  if (found.length === 0) context.out('no audit chains (nothing was recorded)\n');
  results.forEach((result, index) => renderResult(context, found[index]!, result));
  for (const key of undecodable) context.out(`${undecodableKeyLabel(key)}\n`);
  if (truncated) context.err('tristack: stopped at --scan-limit tenants; name the one you want\n');
  return code;
}

export const auditVerifyCommand: CliCommand = {
  path: ['audit', 'verify'],
  usage: '[tenant]',
  summary:
    "check a tenant's hash chain (or every tenant's, with --all): every edited, inserted or deleted entry, and where (exit 1 if broken)",
  options: {
    ...timeRangeOptions,
    all: { type: 'boolean', description: 'verify every tenant with an audit chain' },
    ...scanLimitOption,
  },
  async run(context) {
    if (context.args.length > 1) throw new UsageError('audit verify takes at most one tenant');
    if (context.options['all'] === true) {
      if (context.args.length > 0) throw new UsageError('audit verify takes a tenant or --all, not both');
      return verifyAll(context);
    }
    const tenantId = context.args[0] ?? context.tenantId;
    const log = await auditLogOf(context);
    const range = timeRange(context.options);
    const result = await log.verify(tenantId, range);
    if (context.json) context.out(`${jsonText(result, 2)}\n`);
    // Nothing checked proves nothing: a misspelt tenant must not read as a valid chain.
    if (result.checked === 0 && result.valid) {
      if (result.head.sequence === 0) context.err(await tenantHint(context, tenantId));
      else
        context.err(
          `tristack: nothing checked: tenant ${escapeControl(tenantId)} has no entries${range.from !== undefined || range.to !== undefined ? ' in the given --from/--to range' : ' left (all trimmed)'}\n`,
        );
      return 1;
    }
    if (!context.json) renderResult(context, tenantId, result);
    return result.valid ? 0 : 1;
  },
};
