import { describe, expect, it } from 'vitest';
import { docsPrograms, markupProblems, typescriptBlocks } from './code-blocks.js';
import { importedPackages } from './docs-check-folder.js';

const page = [
  '# Page',
  '```sh',
  'npm install x',
  '```',
  '```ts run',
  "import { a } from '@tristack/core';",
  '```',
  '```ts continued',
  "import { b } from 'langchain/x';",
  '```',
  '```typescript',
  '// fragment',
  'undefinedName();',
  '```',
  '```ts',
  '// packages/testing/src/x.ts',
  '```',
  '```ts',
  'const typed = 1;',
  '```',
  '```ts runn',
  'const typo = 1;',
  '```',
  '',
].join('\n');

describe('typescriptBlocks', () => {
  const blocks = typescriptBlocks('docs/page.md', page);

  it('finds ts and typescript blocks only, with their kind and first code line', () => {
    expect(blocks.map((block) => [block.kind, block.line])).toEqual([
      ['run', 6],
      ['continued', 9],
      ['fragment', 12],
      ['quoted', 16],
      ['typecheck', 19],
      ['typecheck', 22],
    ]);
    expect(blocks[3]!.quotedPath).toBe('packages/testing/src/x.ts');
  });

  it('reports an unknown info string instead of silently typechecking it', () => {
    expect(markupProblems(blocks).map(({ block, problem }) => [block.line, problem])).toEqual([
      [22, "unknown info string 'runn' (use run or continued)"],
    ]);
  });

  it('reports a continued block that follows nothing it could continue', () => {
    const orphan = typescriptBlocks('p.md', '```ts\n// fragment\n```\n```ts continued\nconst x = 1;\n```\n');
    expect(markupProblems(orphan).map(({ problem }) => problem)).toEqual([
      'a continued block must follow a typechecked or run block',
    ]);
  });

  it('joins continued blocks to the program before them', () => {
    const programs = docsPrograms(blocks);
    expect(programs.map((program) => [program.run, program.blocks.map((block) => block.line)])).toEqual([
      [true, [6, 9]],
      [false, [19]],
      [false, [22]],
    ]);
    expect(importedPackages(programs[0]!.blocks.map((block) => block.code).join(''))).toEqual([
      '@tristack/core',
      'langchain',
    ]);
  });
});
