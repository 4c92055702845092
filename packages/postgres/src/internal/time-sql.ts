// SQL fragments for the server's time in integer milliseconds since the epoch (what the primitives'
// results carry). `clock_timestamp()` is the wall clock at the moment of the call, unlike `now()`
// (the transaction's start): two statements of one transaction see time pass, as on Redis.

/** A timestamptz expression → bigint ms since the epoch (floored). */
export function epochMs(timestamp: string): string {
  return `floor(extract(epoch FROM ${timestamp}) * 1000)::bigint`;
}

/** A bigint ms expression → interval. */
export function millisecondsInterval(milliseconds: string): string {
  return `(${milliseconds} * interval '1 millisecond')`;
}
