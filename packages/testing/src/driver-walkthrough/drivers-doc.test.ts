import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// docs/drivers.md may not drift from the code: its TypeScript is either a marked fragment or a
// file of this folder, quoted whole (and run by its own test); its contract table names real
// base classes and their real store operations.
const root = new URL('../../../../', import.meta.url);
const doc = readFileSync(new URL('docs/drivers.md', root), 'utf8');

const codeBlocks = [...doc.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1]!);
const QUOTED = /^\/\/ (packages\/testing\/src\/driver-walkthrough\/[\w.-]+\.ts)\n/;

interface ContractRow {
  file: string;
  className: string;
  operations: string[];
}

/** Rows of the "The contracts" table: `file` → `Class` | operations | suite. */
function contractRows(): ContractRow[] {
  const rows: ContractRow[] = [];
  for (const line of doc.split('\n')) {
    const cells = line.split('|').map((cell) => cell.trim());
    const target = /^`([\w./-]+\.ts)` → `(\w+)`$/.exec(cells[2] ?? '');
    if (!target) continue;
    const operations = [...(cells[3] ?? '').matchAll(/`(\w+)`/g)].map((match) => match[1]!);
    rows.push({ file: target[1]!, className: target[2]!, operations });
  }
  return rows;
}

describe('docs/drivers.md', () => {
  it('has TypeScript that is a fragment or a whole file of the tested walkthrough', () => {
    let quoted = 0;
    for (const block of codeBlocks) {
      if (block.startsWith('// fragment\n')) continue;
      const path = QUOTED.exec(block)?.[1];
      expect(
        path,
        `a ts block starts with neither // fragment nor a walkthrough path:\n${block}`,
      ).toBeDefined();
      const file = readFileSync(new URL(path!, root), 'utf8');
      expect(block.slice(block.indexOf('\n') + 1)).toBe(file);
      quoted += 1;
    }
    // The driver and the test that runs the conformance suite on it.
    expect(quoted).toBeGreaterThanOrEqual(2);
  });

  it('names, for every primitive, a base class and protected store operations that exist', () => {
    const rows = contractRows();
    expect(rows.map((row) => row.className).sort()).toEqual([
      'BaseAuditLog',
      'BaseBroadcast',
      'BaseCircuitBreaker',
      'BaseConversationLease',
      'BaseConversationMemory',
      'BaseJobQueue',
      'BaseRateLimiter',
      'BaseTokenStream',
      'SemanticCacheBase',
    ]);
    for (const row of rows) {
      const url = new URL(`packages/core/src/${row.file}`, root);
      expect(existsSync(url), row.file).toBe(true);
      const source = readFileSync(url, 'utf8');
      expect(source).toContain(`export abstract class ${row.className} `);
      // Like BullMQ's backend interface, each contract says what it leaves out.
      expect(source).toContain('The contract does not include:');
      const declared = [
        // Abstract operations, and optional hooks a store may add (`protected lookupTiers?(`).
        ...source.matchAll(
          /protected abstract (?:readonly )?(\w+)|abstract readonly (\w+)|protected (\w+)\?\(/g,
        ),
      ].map((match) => match[1] ?? match[2] ?? match[3]);
      expect([...row.operations].sort(), row.className).toEqual([...declared].sort());
    }
  });
});
