import { expect } from 'vitest';
import { snapshotKeys } from '../redis/key-snapshot.js';

/** The client surface `snapshotKeys` reads the database with. */
type SnapshotClient = Parameters<typeof snapshotKeys>[0];

/** Asserts that `call` rejects with `type` and leaves every key of the client's database as it was. */
export async function expectRejectedWithoutWrites(
  client: SnapshotClient,
  call: () => Promise<unknown>,
  type: abstract new (...args: never[]) => Error,
): Promise<void> {
  const before = await snapshotKeys(client);
  const error = await call().then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(type);
  expect(await snapshotKeys(client)).toEqual(before);
}
