import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, test } from 'vitest';

/**
 * The official checkpointer suite calls Vitest's globals (`describe`, `beforeAll`, `expect`…)
 * without importing them. Installing them here, for the suite's files only, avoids turning
 * `globals: true` on for the whole repository. Import this module before calling `validate`.
 */
const globals = { describe, it, test, expect, beforeAll, afterAll, beforeEach, afterEach };
for (const [name, value] of Object.entries(globals)) (globalThis as Record<string, unknown>)[name] ??= value;
