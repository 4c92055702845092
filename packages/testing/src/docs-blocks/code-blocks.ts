/**
 * The TypeScript blocks of the docs and what each one promises. A block is, by its info string
 * and first line:
 * - `// fragment` first line: an excerpt, not checked (it may use names it does not define);
 * - `// <repository path>` first line: a whole file of the repository, quoted (its own test runs it);
 * - ```` ```ts ````: a complete module, typechecked;
 * - ```` ```ts run ````: a complete program, typechecked and run (it must exit by itself);
 * - ```` ```ts continued ````: more of the previous typechecked or run block of the same page.
 */
export type CodeBlockKind = 'fragment' | 'quoted' | 'typecheck' | 'run' | 'continued';

export interface CodeBlock {
  /** The page, relative to the repository root. */
  file: string;
  /** 1-based line of the block's first code line in the page. */
  line: number;
  info: string;
  code: string;
  kind: CodeBlockKind;
  /** For `quoted`: the quoted file, relative to the repository root. */
  quotedPath?: string;
}

/** A block's problem that fails the docs test before anything is compiled. */
export interface CodeBlockProblem {
  block: CodeBlock;
  problem: string;
}

const TYPESCRIPT = new Set(['ts', 'typescript']);
const MODES = new Map<string, CodeBlockKind>([
  ['', 'typecheck'],
  ['run', 'run'],
  ['continued', 'continued'],
]);
const QUOTED_PATH = /^\/\/ ((?:packages|examples)\/[\w./-]+\.ts)$/;

/** Every fenced block of `markdown` whose language is TypeScript, classified. */
export function typescriptBlocks(file: string, markdown: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  const lines = markdown.split('\n');
  for (let index = 0; index < lines.length; index += 1) {
    const fence = /^(\s*)(`{3,}|~{3,})\s*([^\s`]*)\s*(.*)$/.exec(lines[index]!);
    if (!fence) continue;
    const [, indent, marker, language, rest] = fence;
    let end = index + 1;
    while (end < lines.length && !lines[end]!.trimStart().startsWith(marker!)) end += 1;
    const body = lines
      .slice(index + 1, end)
      .map((line) => line.slice(Math.min(indent!.length, line.search(/\S|$/))));
    const startLine = index + 2;
    index = end;
    if (!TYPESCRIPT.has(language!.toLowerCase())) continue;
    const info = rest!.trim();
    const code = `${body.join('\n')}\n`;
    const first = body[0] ?? '';
    const quotedPath = QUOTED_PATH.exec(first)?.[1];
    const kind: CodeBlockKind =
      first.trim() === '// fragment' ? 'fragment' : quotedPath ? 'quoted' : (MODES.get(info) ?? 'typecheck');
    blocks.push({ file, line: startLine, info, code, kind, ...(quotedPath ? { quotedPath } : {}) });
  }
  return blocks;
}

/** What is wrong with the markup of `blocks` (one page's, in order), before compiling anything. */
export function markupProblems(blocks: readonly CodeBlock[]): CodeBlockProblem[] {
  const problems: CodeBlockProblem[] = [];
  let previous: CodeBlock | undefined;
  for (const block of blocks) {
    if (block.kind !== 'quoted' && block.kind !== 'fragment' && !MODES.has(block.info))
      problems.push({ block, problem: `unknown info string '${block.info}' (use run or continued)` });
    if (
      block.kind === 'continued' &&
      (!previous || !['typecheck', 'run', 'continued'].includes(previous.kind))
    )
      problems.push({ block, problem: 'a continued block must follow a typechecked or run block' });
    previous = block;
  }
  return problems;
}

/** One module to check: a block and the blocks that continue it. */
export interface DocsProgram {
  name: string;
  run: boolean;
  blocks: CodeBlock[];
}

/** The programs of one page's blocks: each typechecked or run block with its continuations. */
export function docsPrograms(blocks: readonly CodeBlock[]): DocsProgram[] {
  const programs: DocsProgram[] = [];
  for (const block of blocks) {
    if (block.kind === 'continued') programs.at(-1)?.blocks.push(block);
    else if (block.kind === 'typecheck' || block.kind === 'run')
      programs.push({
        name: `${block.file.replace(/[^\w]+/g, '-')}-${block.line}`,
        run: block.kind === 'run',
        blocks: [block],
      });
  }
  return programs;
}
