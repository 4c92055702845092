/**
 * Redis glob matching (PSUBSCRIBE, KEYS): `*` any run, `?` one character, `[abc]` / `[a-z]` /
 * `[^a]` a class, `\x` a literal x. Compiled to a RegExp once per pattern.
 */
export function globToRegExp(pattern: string): RegExp {
  let source = '';
  for (let index = 0; index < pattern.length; index++) {
    const character = pattern[index]!;
    if (character === '*') source += '[\\s\\S]*';
    else if (character === '?') source += '[\\s\\S]';
    else if (character === '\\' && index + 1 < pattern.length) source += escapeRegExp(pattern[++index]!);
    else if (character === '[') {
      const close = pattern.indexOf(']', index + 2);
      if (close === -1) {
        source += '\\[';
        continue;
      }
      let body = pattern.slice(index + 1, close);
      const negated = body.startsWith('^');
      if (negated) body = body.slice(1);
      const members = body.replace(/\\(.)/g, '$1').replace(/[\\\]^]/g, '\\$&');
      source += `[${negated ? '^' : ''}${members}]`;
      index = close;
    } else source += escapeRegExp(character);
  }
  return new RegExp(`^${source}$`, 'u');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}
