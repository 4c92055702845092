// Hostile ids against every id-taking API of @tristack/langgraph-redis on one server (Redis 7,
// Redis 8, Valkey 8 by project): 0 collisions, 0 untyped errors, ill-formed ids rejected typed.
import { runIdentityFuzz } from '@tristack/testing/hostile-input';
import { LANGGRAPH_FUZZ_CASES } from './langgraph-fuzz-cases.fixture.js';

runIdentityFuzz(LANGGRAPH_FUZZ_CASES, { server: 'single', suite: '@tristack/langgraph-redis' });
