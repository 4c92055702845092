// The Redis harness lives at '@tristack/testing/redis', its Vitest global setup at
// '@tristack/testing/redis-global-setup'; conformance suites and fakes at their own subpaths.
export { compareVersions } from './redis/version.js';
