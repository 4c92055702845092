import { FakeArcadeServer } from '@tristack/testing/fake-arcade';

/**
 * Demo only: without `ARCADE_API_KEY` the tools run against the fake Arcade server of `@tristack/testing` (a
 * devDependency), started in this process: same wire format, consent simulated. Production code passes a key and
 * never loads this file (`tools.ts` imports it lazily).
 */
export async function startOfflineArcade(): Promise<FakeArcadeServer> {
  return FakeArcadeServer.start();
}
