import type { RedisConnection } from '@tristack/core/driver-kit';

/** The server's clock in ms: every driver script uses `TIME`, so inspections compare times with it. */
export async function serverTime(connection: RedisConnection): Promise<number> {
  const [seconds, micros] = (await connection.sendCommand(['TIME'])) as [string, string];
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
}
