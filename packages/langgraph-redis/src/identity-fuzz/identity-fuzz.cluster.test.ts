// Hostile ids against every id-taking API of @tristack/langgraph-redis on the 3-master cluster:
// besides 0 collisions and 0 untyped errors, 0 misrouted calls (MOVED, CROSSSLOT, redirection
// loops): the client and the server must hash the same bytes for every key.
import { runIdentityFuzz } from '@tristack/testing/hostile-input';
import { LANGGRAPH_FUZZ_CASES } from './langgraph-fuzz-cases.fixture.js';

runIdentityFuzz(LANGGRAPH_FUZZ_CASES, { server: 'cluster', suite: '@tristack/langgraph-redis' });
