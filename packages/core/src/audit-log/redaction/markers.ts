/** Marker that replaces a secret. */
export const REDACTED = '[REDACTED]';
/** Marker that replaces a value dropped by policy (not a secret, just not kept). */
export const DROPPED = '[DROPPED]';
