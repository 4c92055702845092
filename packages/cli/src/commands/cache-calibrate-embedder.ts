import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Embedder, LocalNgramEmbedder } from '@tristack/core';
import { UsageError } from '../command.js';

/** The embedders `--embedder` names; anything else is a module path. */
export const NAMED_EMBEDDERS = ['lexical', 'use-lite'] as const;

function isEmbedder(value: unknown): value is Embedder {
  const candidate = value as Partial<Embedder> | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.id === 'string' &&
    typeof candidate.dimensions === 'number' &&
    typeof candidate.embed === 'function'
  );
}

function isModuleNotFound(error: unknown, specifier: string): boolean {
  const { code, message } = (error ?? {}) as { code?: string; message?: string };
  return (
    (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && String(message).includes(specifier)
  );
}

async function useLiteEmbedder(): Promise<Embedder> {
  const specifier = '@tristack/embeddings-use-lite';
  try {
    const { UseLiteEmbedder } = await import('@tristack/embeddings-use-lite');
    return new UseLiteEmbedder();
  } catch (error) {
    if (isModuleNotFound(error, specifier))
      throw new UsageError(`--embedder use-lite needs ${specifier}: install it beside @tristack/cli`);
    throw error;
  }
}

/**
 * A module of the user's: its default export (or its `embedder` export) is an `Embedder`, or a
 * function, possibly async, that returns one — e.g. a `LangChainEmbedder` around OpenAI's embeddings.
 */
async function moduleEmbedder(path: string, cwd: string): Promise<Embedder> {
  const url = pathToFileURL(isAbsolute(path) ? path : resolve(cwd, path)).href;
  let loaded: Record<string, unknown>;
  try {
    loaded = (await import(url)) as Record<string, unknown>;
  } catch (error) {
    if (isModuleNotFound(error, url.replace('file://', '')) || isModuleNotFound(error, path))
      throw new UsageError(`--embedder: no module at ${path} (expected lexical, use-lite or a module path)`);
    throw error;
  }
  const exported = loaded['default'] ?? loaded['embedder'];
  const embedder = typeof exported === 'function' ? await (exported as () => unknown)() : exported;
  if (!isEmbedder(embedder))
    throw new UsageError(
      `--embedder: ${path} must export (as default or "embedder") an Embedder { id, dimensions, embed(texts) } or a function returning one`,
    );
  return embedder;
}

/** Resolves `--embedder`: `lexical` (the default offline embedder), `use-lite`, or a module path. */
export async function calibrationEmbedder(name: string, cwd: string = process.cwd()): Promise<Embedder> {
  if (name === 'lexical') return new LocalNgramEmbedder();
  if (name === 'use-lite') return useLiteEmbedder();
  return moduleEmbedder(name, cwd);
}
