/**
 * Every code a Tristack error carries. Closed on purpose: a code is a promise to callers who
 * branch on it, so a new one is added here (and thrown somewhere; a test checks both ways).
 */
export const TRISTACK_ERROR_CODES = [
  'INVALID_INPUT',
  'INVALID_OPTIONS',
  'BACKEND_UNAVAILABLE',
  'UNSUPPORTED',
  'INTEGRITY',
  'CONFLICT',
  'NOT_FOUND',
  'TIMEOUT',
  'ABORTED',
  'CIRCUIT_OPEN',
  'RATE_LIMITED',
  'IDENTITY_REQUIRED',
  'LEASE_BUSY',
  'LEASE_LOST',
  'STREAM_FAILED',
  'STREAM_CLOSED',
  'STREAM_TRIMMED',
  'PRODUCER_GONE',
  'TOOL_ERROR',
  'STRUCTURED_OUTPUT_INVALID',
] as const;

export type TristackErrorCode = (typeof TRISTACK_ERROR_CODES)[number];
