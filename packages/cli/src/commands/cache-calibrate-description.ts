import type { CommandDescription } from '../lazy-command.js';

/** Thresholds shown by default; the recommendation is searched on a 0.01 grid and added to them. */
export const SHOWN_THRESHOLDS = [0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95];

/** `cache calibrate` as help and the parser see it: no imports, so `--help` stays fast. */
export const cacheCalibrateDescription: CommandDescription = {
  path: ['cache', 'calibrate'],
  usage: '--pairs <file.jsonl>',
  summary:
    'measure an embedder (+ the near-miss guard) on labelled pairs: recall and false hits per threshold and kind, with 95% intervals, and the threshold for a false-hit target (exit 1 if none meets it)',
  options: {
    pairs: {
      type: 'string',
      value: 'file',
      description: 'JSON Lines: {"id","label":"paraphrase"|"near-miss","kind","a","b"} per line',
    },
    embedder: {
      type: 'string',
      value: 'name',
      description: 'lexical (default), use-lite, or a module path exporting an Embedder',
    },
    guard: { type: 'string', value: 'on|off', description: 'run the default near-miss guard (default on)' },
    'target-false-hits': {
      type: 'string',
      value: 'rate',
      description: 'largest acceptable share of near-misses that hit (default 0.01)',
    },
    thresholds: {
      type: 'string',
      value: 'list',
      description: `thresholds to show (default ${SHOWN_THRESHOLDS})`,
    },
  },
};
