// Every id-taking API of @tristack/langgraph-redis, as fuzz cases the single-server and cluster suites share.
import type { NamedFuzzCase } from '@tristack/testing/hostile-input';
import { fuzzCheckpointSaver } from './fuzz-checkpoint-saver.fixture.js';
import { fuzzNodeCache } from './fuzz-node-cache.fixture.js';
import { fuzzStore } from './fuzz-store.fixture.js';

export const LANGGRAPH_FUZZ_CASES: readonly NamedFuzzCase[] = [
  ['checkpoint saver', fuzzCheckpointSaver],
  ['store', fuzzStore],
  ['node cache', fuzzNodeCache],
];
