import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useRedis } from '../redis/index.js';
import { docsPrograms, markupProblems, typescriptBlocks, type CodeBlock } from './code-blocks.js';
import { DocsCheckFolder, importedPackages, type WrittenProgram } from './docs-check-folder.js';

// Every TypeScript block of README.md and docs/ is compiled (and, marked `run`, run against the
// harness's Redis) or explicitly marked `// fragment`: docs whose code does not work fail here.
const root = new URL('../../../../', import.meta.url).pathname;

function markdownPages(folder: string): string[] {
  return readdirSync(join(root, folder), { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? markdownPages(join(folder, entry.name))
      : entry.name.endsWith('.md')
        ? [join(folder, entry.name)]
        : [],
  );
}

const pages = ['README.md', ...markdownPages('docs')];
const blocksByPage = pages.map((page) => typescriptBlocks(page, readFileSync(join(root, page), 'utf8')));
const blocks = blocksByPage.flat();
const programs = blocksByPage.flatMap((pageBlocks) => docsPrograms(pageBlocks));
const where = (block: CodeBlock) => `${block.file}:${block.line}`;

describe('docs code blocks', () => {
  const redis = useRedis();
  const folder = new DocsCheckFolder(root);
  const written = new Map<string, WrittenProgram>();

  beforeAll(() => {
    folder.prepare(
      importedPackages(programs.flatMap((program) => program.blocks.map((block) => block.code)).join('\n')),
    );
    for (const program of programs) written.set(program.name, folder.write(program));
    const count = (kind: string) => blocks.filter((block) => block.kind === kind).length;
    console.log(
      `[tristack] [docs] ${blocks.length} TypeScript blocks in ${pages.length} pages: ` +
        `${programs.filter((program) => program.run).length} programs run ` +
        `(${programs.filter((program) => program.run).reduce((sum, program) => sum + program.blocks.length, 0)} blocks), ` +
        `${programs.filter((program) => !program.run).length} typechecked only, ` +
        `${count('quoted')} quoted from tested files, ${count('fragment')} fragments`,
    );
  });

  afterAll(() => {
    if (!process.env.TRISTACK_KEEP_DOCS_CHECK) folder.remove();
  });

  it('marks every block as run, typechecked, quoted or fragment, correctly', () => {
    const problems = blocksByPage.flatMap((pageBlocks) => markupProblems(pageBlocks));
    expect(problems.map(({ block, problem }) => `${where(block)}: ${problem}`)).toEqual([]);
    // The getting-started page's main example is a program that runs, not an excerpt.
    expect(
      programs.some((program) => program.run && program.blocks[0]!.file === 'docs/getting-started.md'),
    ).toBe(true);
    expect(programs.some((program) => program.run && program.blocks[0]!.file === 'README.md')).toBe(true);
  });

  it('quotes repository files verbatim', () => {
    for (const block of blocks.filter((candidate) => candidate.kind === 'quoted')) {
      const file = readFileSync(join(root, block.quotedPath!), 'utf8');
      expect(block.code.slice(block.code.indexOf('\n') + 1), where(block)).toBe(file);
    }
  });

  it('typechecks every block that is not a fragment', { timeout: 240_000 }, () => {
    expect(folder.typeErrors([...written.values()])).toEqual([]);
  });

  describe.each(programs.filter((program) => program.run).map((program) => [program.name, program] as const))(
    'program %s',
    (name) => {
      it('runs to completion and exits by itself', { timeout: 90_000 }, async () => {
        const url = new URL(redis.url);
        url.pathname = `/${redis.database}`;
        const result = await folder.run(written.get(name)!, { REDIS_URL: url.toString() }, 60_000);
        const verdict = result.timedOut
          ? 'did not exit within 60 s (an open client or timer?)'
          : `exit ${result.code}`;
        expect(`${verdict}\n${result.output}`).toMatch(/^exit 0\n/);
      });
    },
  );
});
