export {
  PARAPHRASE_KINDS,
  NEAR_MISS_KINDS,
  labelledPairSchema,
  parseLabelledPairs,
  type LabelledPair,
  type PairKind,
  type PairLabel,
  type ParaphraseKind,
  type NearMissKind,
} from './labelled-pair.js';
export { splitPairs, type PairSplit } from './split-pairs.js';
export { wilsonInterval, type RateEstimate } from './wilson-interval.js';
export {
  evaluatePairs,
  type EvaluatePairsOptions,
  type CalibrationGuard,
  type CalibrationReport,
  type ThresholdResult,
  type KindResult,
  type ScoredPair,
} from './evaluate-pairs.js';
export { recommendThreshold, type RecommendThresholdOptions } from './recommend-threshold.js';
export { formatCalibrationTable, type FormatCalibrationTableOptions } from './format-calibration-table.js';
