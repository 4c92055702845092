/**
 * tsx src/profile-summary.ts <baseline dir> <profile dir> <operations>
 * Reads the main thread's `.cpuprofile` in each directory (node --cpu-prof; one run per
 * directory) and prints, per operation, the ms each part of the process spent (self time):
 * Tristack's code, LangChain/LangGraph/LangSmith, zod, the Redis client and socket writes, Node
 * internals, garbage collection, idle (waiting for Redis replies) and module loading; then the
 * difference, profile − baseline: what the profiled stack adds. Last, whose zod it is: zod's self
 * time by the category of the nearest caller outside zod.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string }; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
}

const CATEGORIES = [
  'Tristack code',
  'LangChain, LangGraph, LangSmith',
  'zod',
  'Redis client (node-redis, ioredis) and socket writes',
  'Node internals (promises, async hooks, abort signals, crypto…)',
  'garbage collection',
  'idle (waiting for Redis replies, timers)',
  'module loading (start-up)',
] as const;
type Category = (typeof CATEGORIES)[number];

function categoryOf(url: string, name: string): Category {
  if (name === '(idle)') return 'idle (waiting for Redis replies, timers)';
  if (name === '(garbage collector)') return 'garbage collection';
  if (/\/packages\/[a-z-]+\/(src|dist)\//.test(url)) return 'Tristack code';
  if (/@langchain\/|langsmith|\/langchain\/dist|\/uuid\//.test(url)) return 'LangChain, LangGraph, LangSmith';
  if (/\/zod\//.test(url)) return 'zod';
  if (
    /@redis\/client/.test(url) ||
    /^(writev|writeUtf8String|writeBuffer)$/.test(name) ||
    /stream_base_commons|node:net/.test(url)
  )
    return 'Redis client (node-redis, ioredis) and socket writes';
  if (/node:internal\/modules|source_map|\/tsx\/|esbuild/.test(url) || name === 'readFileUtf8')
    return 'module loading (start-up)';
  return 'Node internals (promises, async hooks, abort signals, crypto…)';
}

/** The main thread's profile of the one run in `directory` (tsx's loader thread writes a second). */
function readProfile(directory: string): CpuProfile {
  // CPU.<date>.<time>.<pid>.<thread>.<sequence>.cpuprofile
  const files = readdirSync(directory).filter((name) => name.endsWith('.cpuprofile'));
  const runs = new Set(files.map((name) => name.split('.')[3]));
  if (files.length === 0) throw new Error(`[bench] no .cpuprofile in ${directory}`);
  if (runs.size > 1)
    throw new Error(
      `[bench] ${directory} holds profiles of ${runs.size} runs: profile into an empty directory`,
    );
  const main = files.find((name) => name.split('.')[4] === '0') ?? files[0]!;
  return JSON.parse(readFileSync(join(directory, main), 'utf8')) as CpuProfile;
}

function summarise(directory: string, operations: number) {
  const profile = readProfile(directory);
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const totals = new Map<Category, number>(CATEGORIES.map((category) => [category, 0]));
  const zodCallers = new Map<Category | 'zod itself', number>();
  profile.samples.forEach((id, index) => {
    const ms = (profile.timeDeltas[index] ?? 0) / 1000 / operations;
    const frame = byId.get(id)!.callFrame;
    const category = categoryOf(frame.url, frame.functionName);
    totals.set(category, totals.get(category)! + ms);
    if (category !== 'zod') return;
    let caller: Category | 'zod itself' = 'zod itself';
    for (let at = parentOf.get(id); at !== undefined; at = parentOf.get(at)) {
      const parent = byId.get(at)!.callFrame;
      // Built-ins (Array.prototype.map…) have no url: look past them to their caller.
      if (parent.url === '') continue;
      const parentCategory = categoryOf(parent.url, parent.functionName);
      if (parentCategory !== 'zod') {
        caller = parentCategory;
        break;
      }
    }
    zodCallers.set(caller, (zodCallers.get(caller) ?? 0) + ms);
  });
  return { totals, zodCallers };
}

const [baselineDirectory, profileDirectory, operations] = process.argv.slice(2);
if (!baselineDirectory || !profileDirectory || !Number(operations))
  throw new Error('usage: tsx src/profile-summary.ts <baseline dir> <profile dir> <operations>');
const { totals: baseline } = summarise(baselineDirectory, Number(operations));
const { totals: profiled, zodCallers } = summarise(profileDirectory, Number(operations));
const width = Math.max(...CATEGORIES.map((category) => category.length));
// Operations of a few µs (a limiter call) read in µs, agent turns in ms.
const sum = (totals: Map<Category, number>) => [...totals.values()].reduce((a, b) => a + b, 0);
const [unit, scale] = Math.max(sum(baseline), sum(profiled)) < 0.1 ? ['µs', 1000] : ['ms', 1];
const format = (ms: number) => (ms * scale).toFixed(3).padStart(8);
console.log(`${`${unit} per operation`.padEnd(width)}  baseline   profile     added`);
let added = 0;
for (const category of CATEGORIES) {
  const difference = profiled.get(category)! - baseline.get(category)!;
  added += difference;
  console.log(
    `${category.padEnd(width)}  ${format(baseline.get(category)!)}  ${format(profiled.get(category)!)}  ${format(difference)}`,
  );
}
console.log(`${'total'.padEnd(width)}  ${format(sum(baseline))}  ${format(sum(profiled))}  ${format(added)}`);
console.log(
  `zod in the profile, by caller (${unit}): ${[...zodCallers]
    .sort((a, b) => b[1] - a[1])
    .map(([caller, ms]) => `${caller} ${(ms * scale).toFixed(3)}`)
    .join(', ')}`,
);
