/**
 * Expands a Lua template (format: internal/build/lua.js and lua/limit-template-1+.lua): repeats
 * blocks per key and per rule, inserts each rule's fragments, and writes values in for the
 * `__PLACEHOLDER` identifiers. It knows no Lua: what the script says is in the .lua files.
 */

/** One rule of the shape: which fragments it takes (`kind`), `@if` attributes, placeholder values. */
export interface TemplateRule {
  readonly kind: string;
  readonly attributes: Readonly<Record<string, string | undefined>>;
  readonly values: Readonly<Record<string, string>>;
}

/** One key of the shape: its own placeholder values and its rules, in order. */
export interface TemplateKey {
  readonly values: Readonly<Record<string, string>>;
  readonly rules: readonly TemplateRule[];
}

/** A placeholder: a value's name, or a fragment written once (ONE) or for every rule (LIST, ALL). */
interface Placeholder {
  readonly name: string;
  readonly join?: 'ONE' | 'LIST' | 'ALL';
  readonly fragment?: string;
}

/** Text cut at its placeholders once, when the template is read, so writing a script only joins. */
type Pieces = readonly (string | Placeholder)[];

type TemplateNode =
  | { readonly type: 'line'; readonly pieces: Pieces }
  | { readonly type: 'each'; readonly over: 'key' | 'rule'; readonly body: TemplateNode[] }
  | { readonly type: 'insert'; readonly name: string; readonly indent: string }
  | {
      readonly type: 'if';
      readonly attribute: string;
      readonly value: string;
      readonly body: TemplateNode[];
    };

/** What is in scope while rendering: values, the rules `__LIST_`/`__ALL_` join, the current rule. */
interface Scope {
  readonly globals: Readonly<Record<string, string>>;
  readonly keys: readonly TemplateKey[];
  readonly rules: readonly TemplateRule[];
  readonly key?: TemplateKey;
  readonly rule?: TemplateRule;
}

const MARKER = /^(\s*)--\[\[ @([a-z]+)((?: [^\s\]]+)*) \]\](.*)$/;
const INLINE_FRAGMENT = /^ local _ = (.+)$/;
const PLACEHOLDER = /__([A-Z][A-Z0-9_]*)/g;

function toPieces(text: string): Pieces {
  const pieces: (string | Placeholder)[] = [];
  let from = 0;
  for (const match of text.matchAll(PLACEHOLDER)) {
    if (match.index > from) pieces.push(text.slice(from, match.index));
    const name = match[1]!;
    const [join = '', ...rest] = name.split('_');
    const fragment = rest.join('-').toLowerCase();
    const joined = (join === 'ONE' || join === 'LIST' || join === 'ALL') && fragment !== '';
    pieces.push(joined ? { name, join, fragment } : { name });
    from = match.index + match[0].length;
  }
  if (from < text.length) pieces.push(text.slice(from));
  return pieces;
}

function templateError(message: string): Error {
  return new Error(`[tristack] [redis] Lua template: ${message}`);
}

/** The lines of `lines` from `start` up to the `@end` closing them (or the end when `closed` is false). */
function parseBlock(
  lines: readonly string[],
  start: number,
  closed: boolean,
): { nodes: TemplateNode[]; next: number } {
  const nodes: TemplateNode[] = [];
  let index = start;
  while (index < lines.length) {
    const line = lines[index]!;
    index += 1;
    const marker = MARKER.exec(line);
    if (!marker) {
      // Blank lines and `---` notes are for the reader of the template only.
      if (line.trim() !== '' && !line.trimStart().startsWith('---'))
        nodes.push({ type: 'line', pieces: toPieces(line) });
      continue;
    }
    const [, indent = '', directive, rawArguments = ''] = marker;
    const [argument = ''] = rawArguments.trim().split(' ');
    if (directive === 'end') {
      if (!closed) throw templateError(`line ${index}: @end without an open block`);
      return { nodes, next: index };
    }
    if (directive === 'insert') nodes.push({ type: 'insert', name: argument, indent });
    else if (directive === 'each' && (argument === 'key' || argument === 'rule')) {
      const block = parseBlock(lines, index, true);
      nodes.push({ type: 'each', over: argument, body: block.nodes });
      index = block.next;
    } else if (directive === 'if' && argument.includes('=')) {
      const [attribute = '', value = ''] = argument.split('=');
      const block = parseBlock(lines, index, true);
      nodes.push({ type: 'if', attribute, value, body: block.nodes });
      index = block.next;
    } else throw templateError(`line ${index}: unknown marker ${line.trim()}`);
  }
  if (closed) throw templateError(`a block is not closed with @end`);
  return { nodes, next: index };
}

/** How many expressions an inline fragment lists (its commas outside strings and brackets, plus one). */
function expressionCount(expressions: string): number {
  let count = 1;
  let depth = 0;
  let quote: string | undefined;
  for (const character of expressions) {
    if (quote) {
      if (character === quote) quote = undefined;
    } else if (character === "'" || character === '"') quote = character;
    else if ('([{'.includes(character)) depth += 1;
    else if (')]}'.includes(character)) depth -= 1;
    else if (character === ',' && depth === 0) count += 1;
  }
  return count;
}

function insertedNames(nodes: readonly TemplateNode[]): string[] {
  return nodes.flatMap((node) =>
    node.type === 'insert' ? [node.name] : node.type === 'line' ? [] : insertedNames(node.body),
  );
}

export class LuaTemplate {
  private readonly script: TemplateNode[];
  private readonly blocks = new Map<string, TemplateNode[]>();
  private readonly inlines = new Map<string, { readonly text: string; readonly pieces: Pieces }>();

  /** @param source the template with its includes expanded (its generated module) */
  constructor(source: string) {
    const lines = source.replace(/\n$/, '').split('\n');
    const scriptStart = lines.findIndex((line) => MARKER.exec(line)?.[2] === 'script');
    if (scriptStart < 0) throw templateError('no @script marker');
    for (let index = 0; index < scriptStart; index++) {
      const marker = MARKER.exec(lines[index]!);
      if (!marker || marker[2] !== 'fragment') continue;
      const [kind = '', name = ''] = (marker[3] ?? '').trim().split(' ');
      const rest = marker[4] ?? '';
      if (rest === '') {
        const block = parseBlock(lines.slice(0, scriptStart), index + 1, true);
        this.blocks.set(`${kind} ${name}`, block.nodes);
        index = block.next - 1;
      } else {
        const inline = INLINE_FRAGMENT.exec(rest);
        if (!inline)
          throw templateError(`line ${index + 1}: an inline fragment is 'local _ = <expressions>'`);
        this.inlines.set(`${kind} ${name}`, { text: inline[1]!, pieces: toPieces(inline[1]!) });
      }
    }
    this.script = parseBlock(lines, scriptStart + 1, false).nodes;
    for (const name of insertedNames(this.script)) {
      if (![...this.blocks.keys()].some((key) => key.endsWith(` ${name}`)))
        throw templateError(`@insert ${name}: no fragment defines it`);
    }
  }

  /** How many expressions the inline fragment `name` of `kind` rules lists (e.g. fields it reads). */
  expressionCount(kind: string, name: string): number {
    return expressionCount(this.inline(kind, name).text);
  }

  /** The script for one shape: `keys` in order, `values` for placeholders outside keys and rules. */
  render(keys: readonly TemplateKey[], values: Readonly<Record<string, string>>): string {
    const lines: string[] = [];
    const rules = keys.flatMap((key) => key.rules);
    this.renderNodes(this.script, { globals: values, keys, rules }, '', lines);
    return lines.join('\n') + '\n';
  }

  private inline(kind: string, name: string): { readonly text: string; readonly pieces: Pieces } {
    const found = this.inlines.get(`${kind} ${name}`) ?? this.inlines.get(`any ${name}`);
    if (found === undefined) throw templateError(`no inline fragment ${name} for ${kind}`);
    return found;
  }

  private renderNodes(nodes: readonly TemplateNode[], scope: Scope, indent: string, lines: string[]): void {
    for (const node of nodes) {
      if (node.type === 'line') lines.push(indent + this.substitute(node.pieces, scope));
      else if (node.type === 'each' && node.over === 'key') {
        for (const key of scope.keys)
          this.renderNodes(
            node.body,
            { globals: scope.globals, keys: [key], rules: key.rules, key },
            indent,
            lines,
          );
      } else if (node.type === 'each') {
        for (const rule of scope.rules) this.renderNodes(node.body, { ...scope, rule }, indent, lines);
      } else {
        const rule = scope.rule;
        if (!rule) throw templateError(`@${node.type} outside @each rule`);
        if (node.type === 'if') {
          if (rule.attributes[node.attribute] === node.value)
            this.renderNodes(node.body, scope, indent, lines);
          continue;
        }
        const block = this.blocks.get(`${rule.kind} ${node.name}`) ?? this.blocks.get(`any ${node.name}`);
        if (block) this.renderNodes(block, scope, indent + node.indent, lines);
      }
    }
  }

  /** Writes values in for placeholders; fragments' own placeholders take their rule's values. */
  private substitute(pieces: Pieces, scope: Scope): string {
    let text = '';
    for (const piece of pieces) {
      if (typeof piece === 'string') text += piece;
      else if (piece.join === 'ONE') {
        if (!scope.rule) throw templateError(`__${piece.name} outside @each rule`);
        text += this.substitute(this.inline(scope.rule.kind, piece.fragment!).pieces, scope);
      } else if (piece.join) {
        const separator = piece.join === 'LIST' ? ', ' : ' and ';
        scope.rules.forEach((rule, index) => {
          if (index > 0) text += separator;
          text += this.substitute(this.inline(rule.kind, piece.fragment!).pieces, { ...scope, rule });
        });
      } else {
        const value =
          scope.rule?.values[piece.name] ?? scope.key?.values[piece.name] ?? scope.globals[piece.name];
        if (value === undefined) throw templateError(`no value for __${piece.name}`);
        text += value;
      }
    }
    return text;
  }
}
