import type { CalibrationReport, ThresholdResult } from './evaluate-pairs.js';
import { recommendThreshold } from './recommend-threshold.js';
import type { RateEstimate } from './wilson-interval.js';

export interface FormatCalibrationTableOptions {
  /** A title line above the tables. */
  title?: string;
  /** Adds a per-kind table with intervals at this threshold (e.g. the default or the recommended one). */
  focusThreshold?: number;
  /** Adds a recommendation line for this target (the point estimate, upper bound beside it). */
  maxFalseHitRate?: number;
}

const percent = (value: number) => `${(value * 100).toFixed(1)}%`;
const interval = (estimate: RateEstimate) =>
  `${percent(estimate.rate)} [${percent(estimate.low)}–${percent(estimate.high)}] ${estimate.count}/${estimate.total}`;
// Two decimals, three when the third is not zero: 0.90, 0.925.
const thresholdText = (threshold: number) => threshold.toFixed(3).replace(/(\.\d\d)0$/, '$1');

/** Columns padded to their widest cell; the first column left-aligned, the others right-aligned. */
function columns(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0)));
  return rows.map((row) =>
    row
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
      .join('  ')
      .trimEnd(),
  );
}

function focusResult(report: CalibrationReport, threshold: number): ThresholdResult | undefined {
  return report.thresholds.find((result) => result.threshold === threshold);
}

/**
 * Plain-text tables of a calibration report: recall and false hits per threshold with 95 % Wilson
 * intervals, hit rates per kind and threshold, optionally one threshold per kind with intervals and
 * the recommended threshold for a false-hit target.
 */
export function formatCalibrationTable(
  report: CalibrationReport,
  options: FormatCalibrationTableOptions = {},
): string {
  const lines: string[] = [];
  if (options.title) lines.push(options.title);
  lines.push(
    `embedder ${report.embedderId} · guard ${report.guarded ? 'on' : 'off'} · ` +
      `${report.paraphrases} paraphrases · ${report.nearMisses} near-misses · 95% Wilson intervals`,
    '',
  );
  lines.push(
    ...columns([
      ['threshold', 'recall (paraphrases hit)', 'false hits (near-misses hit)', 'guard rejected p/n'],
      ...report.thresholds.map((result) => [
        thresholdText(result.threshold),
        interval(result.recall),
        interval(result.falseHitRate),
        report.guarded ? `${result.guardRejected.paraphrase}/${result.guardRejected.nearMiss}` : '-',
      ]),
    ]),
    '',
  );
  lines.push(
    'hits per kind (recall for paraphrase kinds, false hits for near-miss kinds):',
    ...columns([
      ['kind', 'label', 'n', ...report.thresholds.map((result) => thresholdText(result.threshold))],
      ...report.kinds.map(({ kind, label, total }, index) => [
        kind,
        label,
        String(total),
        ...report.thresholds.map((result) => percent(result.byKind[index]!.rate)),
      ]),
    ]),
  );
  const focus =
    options.focusThreshold === undefined ? undefined : focusResult(report, options.focusThreshold);
  if (options.focusThreshold !== undefined && !focus)
    lines.push('', `(threshold ${options.focusThreshold} is not in the report)`);
  if (focus) {
    lines.push(
      '',
      `per kind at threshold ${thresholdText(focus.threshold)}:`,
      ...columns([
        ['kind', 'label', 'hits [95% CI] count/n'],
        ...focus.byKind.map((result) => [result.kind, result.label, interval(result)]),
      ]),
    );
  }
  if (options.maxFalseHitRate !== undefined) {
    const target = options.maxFalseHitRate;
    const chosen = recommendThreshold(report, { maxFalseHitRate: target });
    lines.push(
      '',
      chosen
        ? `recommended for false hits ≤ ${percent(target)} (point estimate): threshold ${thresholdText(chosen.threshold)} · ` +
            `recall ${percent(chosen.recall.rate)} · false hits ${percent(chosen.falseHitRate.rate)} ` +
            `(95% upper bound ${percent(chosen.falseHitRate.high)})`
        : `no threshold in the report keeps false hits ≤ ${percent(target)} with any paraphrase hitting`,
    );
  }
  return lines.join('\n');
}
