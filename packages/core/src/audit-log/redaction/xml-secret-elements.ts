import { isOpaqueCode, isPlainTokenValue, type SecretKeyRules } from './secret-key-rules.js';

/**
 * `<password>…</password>`, `<apiKey type="x">…</apiKey>`, `<ns:token>…</ns:token>`: an element
 * with text only, the text up to its own closing tag. No nested quantifier: linear on any input.
 */
const ELEMENT =
  /<((?:[A-Za-z_][A-Za-z0-9_.-]{0,39}:)?([A-Za-z_][A-Za-z0-9_.-]{0,79}))((?:\s[^<>]{0,400})?)>([^<]{1,8192})<\/\1\s*>/g;

/** Replaces the text of XML elements whose name marks a secret (CDATA included). */
export function redactXmlSecretElements(text: string, rules: SecretKeyRules, marker: string): string {
  if (!text.includes('</')) return text;
  ELEMENT.lastIndex = 0;
  return text.replace(ELEMENT, (match, tag: string, name: string, attributes: string, content: string) => {
    const kind = rules.classify(name);
    if (!kind) return match;
    const value = content.trim();
    if (value.length === 0 || value === marker) return match;
    if (kind === 'token' && isPlainTokenValue(value)) return match;
    if (kind === 'code' && !isOpaqueCode(value)) return match;
    return `<${tag}${attributes}>${marker}</${tag}>`;
  });
}
