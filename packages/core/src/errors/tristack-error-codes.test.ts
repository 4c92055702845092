import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { TRISTACK_ERROR_CODES } from './tristack-error-codes.js';

const packagesDir = fileURLToPath(new URL('../../../', import.meta.url));

/** Every code passed to the TristackError constructor in shipped source (tests and fixtures left out). */
function thrownCodes(): Set<string> {
  const codes = new Set<string>();
  for (const pkg of readdirSync(packagesDir)) {
    const src = join(packagesDir, pkg, 'src');
    let files: string[];
    try {
      files = readdirSync(src, { recursive: true, encoding: 'utf8' });
    } catch {
      continue;
    }
    for (const file of files) {
      if (!file.endsWith('.ts') || /\.(test|fixture)\.ts$/.test(file) || file.endsWith('.d.ts')) continue;
      const text = readFileSync(join(src, file), 'utf8');
      for (const match of text.matchAll(/(?:new TristackError|super)\(\s*'([A-Z_]+)'/g)) codes.add(match[1]!);
    }
  }
  return codes;
}

describe('TRISTACK_ERROR_CODES', () => {
  it('lists exactly the codes thrown across the packages: none missing, none unused', () => {
    const thrown = thrownCodes();
    expect(thrown.size).toBeGreaterThan(10);
    expect([...thrown].sort()).toEqual([...TRISTACK_ERROR_CODES].sort());
  });

  it('has no duplicates', () => {
    expect(new Set(TRISTACK_ERROR_CODES).size).toBe(TRISTACK_ERROR_CODES.length);
  });
});
