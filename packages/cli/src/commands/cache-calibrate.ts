import { readFile } from 'node:fs/promises';
import {
  type CalibrationReport,
  evaluatePairs,
  formatCalibrationTable,
  parseLabelledPairs,
  recommendThreshold,
} from '@tristack/core/calibration';
import { type CliCommand, UsageError } from '../command.js';
import { escapeControl, jsonText } from '../terminal-text.js';
import { calibrationEmbedder } from './cache-calibrate-embedder.js';
import { cacheCalibrateDescription, SHOWN_THRESHOLDS } from './cache-calibrate-description.js';
import { calibrationGuard } from './cache-calibrate-guard.js';

/** 0.30, 0.31, … 1.00: the grid the recommended threshold is chosen from. */
const SEARCHED_THRESHOLDS = Array.from({ length: 71 }, (_, index) => (30 + index) / 100);

function parseRate(value: string | boolean | undefined, name: string, fallback: number): number {
  if (value === undefined || typeof value === 'boolean') return fallback;
  const rate = Number(value);
  if (value.trim() === '' || !(rate >= 0 && rate <= 1))
    throw new UsageError(`--${name}: expected a number from 0 to 1, got "${value}"`);
  return rate;
}

function parseThresholds(value: string | boolean | undefined): number[] {
  if (value === undefined || typeof value === 'boolean') return SHOWN_THRESHOLDS;
  return value.split(',').map((part) => parseRate(part, 'thresholds', 0));
}

/** The report cut to the thresholds worth printing (the rest were only searched). */
function shownOnly(report: CalibrationReport, shown: ReadonlySet<number>): CalibrationReport {
  return { ...report, thresholds: report.thresholds.filter((result) => shown.has(result.threshold)) };
}

export const cacheCalibrateCommand: CliCommand = {
  ...cacheCalibrateDescription,
  async run(context) {
    if (context.args.length > 0) throw new UsageError('cache calibrate takes no positional arguments');
    const file = context.options['pairs'];
    if (typeof file !== 'string' || file === '') throw new UsageError('--pairs <file.jsonl> is required');
    const target = parseRate(context.options['target-false-hits'], 'target-false-hits', 0.01);
    const shown = parseThresholds(context.options['thresholds']);
    const guard = calibrationGuard(context.options['guard'] as string | undefined);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      throw new UsageError(`--pairs: cannot read ${file}: ${(error as Error).message}`);
    }
    const pairs = parseLabelledPairs(text);
    const embedderName =
      typeof context.options['embedder'] === 'string' ? context.options['embedder'] : 'lexical';
    const embedder = await calibrationEmbedder(embedderName);

    const started = Date.now();
    context.err(
      `embedding ${pairs.length} pairs with ${escapeControl(embedder.id)}, guard ${guard ? 'on' : 'off'}…\n`,
    );
    const report = await evaluatePairs({
      pairs,
      embedder,
      thresholds: [...new Set([...SEARCHED_THRESHOLDS, ...shown])],
      ...(guard ? { guard } : {}),
    });
    context.err(`done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    const recommended = recommendThreshold(report, { maxFalseHitRate: target });
    const visible = shownOnly(report, new Set([...shown, ...(recommended ? [recommended.threshold] : [])]));

    if (context.json) {
      const { pairs: _scored, ...summary } = visible;
      context.out(
        `${jsonText({ ...summary, targetFalseHitRate: target, recommended: recommended ?? null }, 2)}\n`,
      );
    } else {
      const table = formatCalibrationTable(visible, {
        title: `pairs: ${file}`,
        maxFalseHitRate: target,
        ...(recommended ? { focusThreshold: recommended.threshold } : {}),
      });
      // Kinds and the file name are the user's text: escaped line by line, the table's own newlines kept.
      context.out(`${table.split('\n').map(escapeControl).join('\n')}\n`);
    }
    return recommended ? 0 : 1;
  },
};
