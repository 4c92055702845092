// Hostile ids against every id-taking API of @tristack/postgres: 0 collisions, 0 untyped errors,
// ill-formed ids rejected typed (InvalidInputError before anything is written).
import { runIdentityFuzz } from '@tristack/testing/hostile-input';
import { requiresPostgres } from '@tristack/testing/postgres';
import { describe } from 'vitest';
import { POSTGRES_FUZZ_CASES } from './fuzz-cases.fixture.js';
import { postgresFuzzServer } from './postgres-fuzz-server.fixture.js';

describe.runIf(requiresPostgres('the Postgres identity fuzz'))('@tristack/postgres', () => {
  runIdentityFuzz(POSTGRES_FUZZ_CASES, { server: postgresFuzzServer(), suite: '@tristack/postgres' });
});
