import { type CliCommand, UsageError, timeRange, timeRangeOptions, tableFor } from '../command.js';
import { auditLogOf } from './audit-log-of.js';

export const auditVerifyCommand: CliCommand = {
  path: ['audit', 'verify'],
  usage: '[tenant]',
  summary:
    "check a tenant's hash chain: every edited, inserted or deleted entry, and where (exit 1 if broken)",
  options: { ...timeRangeOptions },
  async run(context) {
    if (context.args.length > 1) throw new UsageError('audit verify takes at most one tenant');
    const tenantId = context.args[0] ?? context.tenantId;
    const log = await auditLogOf(context);
    const result = await log.verify(tenantId, timeRange(context.options));
    if (context.json) {
      context.out(`${JSON.stringify(result, null, 2)}\n`);
      return result.valid ? 0 : 1;
    }
    const { style } = context;
    const head = `head sequence ${result.head.sequence}, hash ${result.head.hash}`;
    const anchor =
      result.head.anchor.sequence > 0
        ? `, anchored after trimmed sequence ${result.head.anchor.sequence}`
        : '';
    if (result.valid) {
      context.out(
        `${style.green('valid')}: tenant ${tenantId}, ${result.checked} entries checked (${head}${anchor})\n`,
      );
      return 0;
    }
    context.out(
      `${style.red('BROKEN')}: tenant ${tenantId}, ${result.issues.length} problem${result.issues.length === 1 ? '' : 's'} in ${result.checked} entries checked (${head}${anchor})\n`,
    );
    context.out(
      tableFor(
        context,
        ['KIND', 'SEQUENCE', 'ENTRY', 'WHAT'],
        result.issues.map((issue) => [
          style.red(issue.kind),
          String(issue.sequence),
          issue.id ?? '-',
          issue.message,
        ]),
      ),
    );
    return 1;
  },
};
