import { createHash } from 'node:crypto';

// PostgreSQL cuts identifiers (NOTIFY channels, prepared-statement names) at 63 bytes, silently or
// with "channel name too long". A schema name alone may be 63 bytes, so names derived from it carry
// a digest of it instead: fixed length whatever the schema, and distinct for distinct schemas.
const IDENTIFIER_MAX_BYTES = 63;

/**
 * `tristack_<first 16 hex of sha256(schema)>_<purpose>`: the one name every driver derives from its
 * schema for a NOTIFY channel or a prepared statement, at most 63 bytes for every valid schema.
 * `purpose` is a constant of the driver (`broadcast`, `jobs.enqueue`, …); a purpose too long to fit
 * is a bug here, so it throws.
 */
export function schemaIdentifier(schema: string, purpose: string): string {
  const digest = createHash('sha256').update(schema, 'utf8').digest('hex').slice(0, 16);
  const identifier = `tristack_${digest}_${purpose}`;
  if (Buffer.byteLength(identifier, 'utf8') > IDENTIFIER_MAX_BYTES)
    throw new Error(`[tristack] [postgres] identifier purpose too long: ${purpose}`);
  return identifier;
}
