import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';
import type { DocsProgram } from './code-blocks.js';

/** Where a program line came from: the page and its line. */
export interface SourceLine {
  file: string;
  line: number;
}

export interface WrittenProgram {
  program: DocsProgram;
  path: string;
  /** Maps a 1-based line of the written module to the docs line it came from. */
  sourceOf(line: number): SourceLine | undefined;
}

// Where third-party packages the blocks import are looked up, first match wins: the adapters'
// own copies first, so a block's `@langchain/core` is the very one `@tristack/langchain` uses.
const DEPENDENCY_HOMES = [
  'packages/langchain',
  'packages/ai-sdk',
  'packages/openai-agents',
  'packages/redis',
  'packages/langgraph-redis',
  'packages/arcade',
  'packages/core',
  'examples/support-agent',
  'examples/multi-worker',
  'bench',
];

/** `@scope/name` or `name` of a bare import specifier; undefined for relative and `node:` ones. */
export function packageName(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:'))
    return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** The bare packages `source` imports. */
export function importedPackages(source: string): string[] {
  const specifiers = [...source.matchAll(/(?:from\s+|import\s*\(?\s*)'([^']+)'/g)].map((match) => match[1]!);
  return [...new Set(specifiers.flatMap((specifier) => packageName(specifier) ?? []))];
}

/**
 * A throwaway, git-ignored folder at the repository root (`.docs-check/run-<pid>/`) where the docs'
 * programs are written as modules that resolve `@tristack/*` to the workspace sources (custom
 * condition `@tristack/source`) and other packages to the workspace's installed copies.
 */
export class DocsCheckFolder {
  readonly path: string;
  private readonly parent: string;

  constructor(private readonly root: string) {
    this.parent = join(root, '.docs-check');
    // One folder per run: two test runs at once (two worktrees' CI, a watch run) never share one.
    this.path = join(this.parent, `run-${process.pid}`);
  }

  /** Writes the folder: manifest, tsconfig, one symlink per imported package. */
  prepare(packages: readonly string[]): void {
    rmSync(this.path, { recursive: true, force: true });
    mkdirSync(join(this.path, 'programs'), { recursive: true });
    writeFileSync(join(this.parent, '.gitignore'), '*\n');
    writeFileSync(join(this.path, 'package.json'), '{ "private": true, "type": "module" }\n');
    writeFileSync(
      join(this.path, 'tsconfig.json'),
      JSON.stringify({
        extends: '../../tsconfig.base.json',
        compilerOptions: { noEmit: true, declaration: false, sourceMap: false },
        include: ['programs/*.ts'],
      }),
    );
    // A package typed by DefinitelyTyped (`pg`) needs its `@types/…` beside it.
    const typings = packages.flatMap((name) =>
      !name.startsWith('@') && this.locate(`@types/${name}`) ? [`@types/${name}`] : [],
    );
    for (const name of [...packages, ...typings]) {
      const target = this.locate(name);
      if (!target) throw new Error(`[tristack] [docs] no workspace package provides '${name}'`);
      const link = join(this.path, 'node_modules', name);
      mkdirSync(dirname(link), { recursive: true });
      symlinkSync(target, link, 'dir');
    }
  }

  private locate(name: string): string | undefined {
    if (name.startsWith('@tristack/')) {
      const workspace = join(this.root, 'packages', name.slice('@tristack/'.length));
      return existsSync(join(workspace, 'package.json')) ? workspace : undefined;
    }
    const homes = [
      ...DEPENDENCY_HOMES,
      ...readdirSync(join(this.root, 'packages')).map((folder) => `packages/${folder}`),
    ];
    for (const home of homes) {
      const candidate = join(this.root, home, 'node_modules', name);
      if (existsSync(candidate)) return realpathSync(candidate);
    }
    return undefined;
  }

  /** Writes `program` as one module; each block is preceded by a line naming its page and line. */
  write(program: DocsProgram): WrittenProgram {
    const lines: string[] = [];
    const segments: { start: number; file: string; line: number }[] = [];
    for (const block of program.blocks) {
      lines.push(`// ${block.file}:${block.line}`);
      segments.push({ start: lines.length + 1, file: block.file, line: block.line });
      lines.push(...block.code.replace(/\n$/, '').split('\n'));
    }
    lines.push('export {};', '');
    const path = join(this.path, 'programs', `${program.name}.ts`);
    writeFileSync(path, lines.join('\n'));
    return {
      program,
      path,
      sourceOf: (line) => {
        const segment = segments.findLast((candidate) => candidate.start <= line);
        return segment && { file: segment.file, line: segment.line + (line - segment.start) };
      },
    };
  }

  /** Type errors of the written programs, as `page:line: message`, with the tsconfig above. */
  typeErrors(written: readonly WrittenProgram[]): string[] {
    const configPath = join(this.path, 'tsconfig.json');
    const config = ts.readConfigFile(configPath, (file) => ts.sys.readFile(file));
    const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, this.path);
    const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options });
    const byPath = new Map(written.map((entry) => [entry.path, entry]));
    const errors: string[] = [];
    // Only the docs' own lines: the workspace sources are typechecked by `pnpm typecheck`.
    for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
      const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
      if (!diagnostic.file) {
        errors.push(`tsconfig: ${message}`);
        continue;
      }
      const entry = byPath.get(diagnostic.file.fileName);
      if (!entry) continue;
      const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
      const source = entry.sourceOf(line + 1);
      const where = source ? `${source.file}:${source.line}` : relative(this.root, entry.path);
      errors.push(`${where}: TS${diagnostic.code} ${message}`);
    }
    return errors;
  }

  /** Runs a written program with tsx; resolves with its exit code and output. */
  run(
    written: WrittenProgram,
    env: Record<string, string>,
    timeoutMs: number,
  ): Promise<{ code: number | null; output: string; timedOut: boolean }> {
    const tsx = join(this.root, 'node_modules', '.bin', 'tsx');
    return new Promise((resolve, reject) => {
      const child = spawn(tsx, ['--conditions=@tristack/source', written.path], {
        cwd: this.path,
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
        // Its own process group: tsx runs the program in a child node process, and a kill must reach both.
        detached: true,
      });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      let timedOut = false;
      // A program that does not exit by itself has left a connection open: that fails too.
      const timer = setTimeout(() => {
        timedOut = true;
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          child.kill('SIGKILL'); // the group is gone already
        }
      }, timeoutMs);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, output, timedOut });
      });
    });
  }

  remove(): void {
    rmSync(this.path, { recursive: true, force: true });
    // The parent too, once no other run uses it.
    if (readdirSync(this.parent).every((name) => name === '.gitignore'))
      rmSync(this.parent, { recursive: true, force: true });
  }
}
