import type { BenchContext } from './context.js';
import type { Case } from './runner.js';

/** One benchmark: its cases run side by side in one process against one server, then print as ratios. */
export interface Benchmark {
  name: string;
  description: string;
  /** Builds the cases (ours and the peers'); returns a cleanup. */
  setup(context: BenchContext): Promise<{ cases: Case[]; cleanup?(): Promise<void> }>;
}
