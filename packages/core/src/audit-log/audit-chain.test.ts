import { describe, expect, it } from 'vitest';
import { type AuditChainEntry, AuditChainVerifier, auditGenesisHash, hashAuditEntry } from './audit-chain.js';

function buildChain(length: number, tenant = 't'): AuditChainEntry[] {
  const entries: AuditChainEntry[] = [];
  let previousHash = auditGenesisHash(tenant);
  for (let sequence = 1; sequence <= length; sequence += 1) {
    const unhashed = {
      id: `${1000 + sequence}-0`,
      sequence,
      previousHash,
      layer: 'tool',
      type: 'custom',
      userId: 'u',
      dataJson: JSON.stringify({ n: sequence }),
    };
    const entry = { ...unhashed, hash: hashAuditEntry(unhashed) };
    entries.push(entry);
    previousHash = entry.hash;
  }
  return entries;
}

function verify(entries: AuditChainEntry[], tenant = 't', head?: { sequence: number; hash: string }) {
  const verifier = new AuditChainVerifier({ sequence: 0, hash: auditGenesisHash(tenant) });
  for (const entry of entries) verifier.push(entry);
  return verifier.finish(head);
}

function rehash(entry: AuditChainEntry): AuditChainEntry {
  return { ...entry, hash: hashAuditEntry(entry) };
}

describe('AuditChainVerifier', () => {
  it('accepts an intact chain and its head', () => {
    const chain = buildChain(50);
    expect(verify(chain, 't', { sequence: 50, hash: chain[49]!.hash })).toEqual([]);
  });

  it('rejects a chain of another tenant (genesis binds the tenant)', () => {
    expect(verify(buildChain(3, 'other'))).toMatchObject([{ kind: 'edited', sequence: 1 }]);
  });

  it('reports an edited entry whose hash was kept, at that entry only', () => {
    const chain = buildChain(10);
    chain[4] = { ...chain[4]!, dataJson: '{"n":999}' };
    expect(verify(chain)).toEqual([expect.objectContaining({ kind: 'edited', sequence: 5, id: '1005-0' })]);
  });

  it('reports an edited entry that was re-hashed, at that entry', () => {
    const chain = buildChain(10);
    chain[4] = rehash({ ...chain[4]!, userId: 'mallory' });
    expect(verify(chain)).toEqual([expect.objectContaining({ kind: 'edited', sequence: 5, id: '1005-0' })]);
  });

  it('reports a deleted entry with the missing sequence, in the middle, at the start and at the tail', () => {
    const chain = buildChain(10);
    const head = { sequence: 10, hash: chain[9]!.hash };
    expect(verify([...chain.slice(0, 6), ...chain.slice(7)], 't', head)).toEqual([
      expect.objectContaining({
        kind: 'deleted',
        sequence: 7,
        missing: 1,
        id: '1008-0',
        after: { id: '1006-0', sequence: 6 },
      }),
    ]);
    expect(verify(chain.slice(2), 't', head)).toEqual([
      expect.objectContaining({ kind: 'deleted', sequence: 1, missing: 2 }),
    ]);
    expect(verify(chain.slice(0, 8), 't', head)).toEqual([
      expect.objectContaining({ kind: 'deleted', sequence: 9, missing: 2 }),
    ]);
  });

  it('reports an inserted entry, forged with a valid hash or not, and nothing else', () => {
    const chain = buildChain(10);
    const forged = rehash({ ...chain[3]!, id: '1004-5', dataJson: '{"forged":true}' });
    expect(verify([...chain.slice(0, 4), forged, ...chain.slice(4)])).toEqual([
      expect.objectContaining({ kind: 'inserted', id: '1004-5', after: { id: '1004-0', sequence: 4 } }),
    ]);
    // The forgery placed before the real entry of the same sequence.
    const early = rehash({ ...chain[3]!, id: '1003-5', dataJson: '{"forged":true}' });
    expect(verify([...chain.slice(0, 3), early, ...chain.slice(3)])).toEqual([
      expect.objectContaining({ kind: 'inserted', id: '1003-5', after: { id: '1003-0', sequence: 3 } }),
    ]);
    const naive = { ...chain[3]!, id: '1004-5', sequence: 42, hash: 'f'.repeat(40) };
    expect(verify([...chain.slice(0, 4), naive, ...chain.slice(4)])).toEqual([
      expect.objectContaining({ kind: 'inserted', id: '1004-5' }),
    ]);
  });

  it('reports several tamperings at their places in one pass', () => {
    const chain = buildChain(30);
    const tampered = [...chain];
    tampered[5] = { ...tampered[5]!, dataJson: '{}' };
    tampered.splice(15, 1);
    tampered.splice(25, 0, rehash({ ...chain[25]!, id: '1026-1' }));
    expect(verify(tampered).map((issue) => [issue.kind, issue.sequence])).toEqual([
      ['edited', 6],
      ['deleted', 16],
      ['inserted', 26],
    ]);
  });
});
