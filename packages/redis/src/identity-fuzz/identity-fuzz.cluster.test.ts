// Hostile ids against every id-taking API of @tristack/redis on the 3-master cluster: besides
// 0 collisions and 0 untyped errors, 0 misrouted calls (MOVED, CROSSSLOT, redirection loops):
// the client and the server must hash the same bytes for every key.
import { runIdentityFuzz } from '@tristack/testing/hostile-input';
import { REDIS_FUZZ_CASES } from './fuzz-cases.fixture.js';

runIdentityFuzz(REDIS_FUZZ_CASES, { server: 'cluster', suite: '@tristack/redis' });
