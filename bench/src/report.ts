import type { Measurement } from './stats.js';

/** Prints rows with ops/s, p50, p99 and the ratio of each row's ops/s to the floor's. */
export function printTable(title: string, floor: Measurement, rows: readonly Measurement[]): void {
  const all = [floor, ...rows];
  const width = Math.max(...all.map((row) => row.name.length), 10);
  console.log(`\n## ${title}`);
  console.log(
    `${'case'.padEnd(width)}  ${'ops/s'.padStart(10)}  ${'p50 ms'.padStart(8)}  ${'p99 ms'.padStart(8)}  ${'x floor'.padStart(8)}`,
  );
  for (const row of all) {
    const ratio = row.opsPerSecond / floor.opsPerSecond;
    console.log(
      `${row.name.padEnd(width)}  ${row.opsPerSecond.toFixed(0).padStart(10)}  ${row.p50Ms.toFixed(3).padStart(8)}  ${row.p99Ms.toFixed(3).padStart(8)}  ${ratio.toFixed(2).padStart(8)}`,
    );
  }
}
