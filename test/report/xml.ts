/**
 * A strict little XML 1.0 reader for tests: elements, attributes, text, CDATA, comments and the
 * declaration; no DTDs. It throws on anything not well-formed that a formatter could plausibly
 * produce (unbalanced or mismatched tags, unquoted or duplicate attributes, `<` in an attribute,
 * unknown entities, `]]>` in text, characters XML 1.0 forbids).
 */

export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  /** The element's own character data (not its descendants'), entities decoded. */
  text: string;
}

const ILLEGAL = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const NAME = /[A-Za-z_:][-A-Za-z0-9_.:]*/y;
const PREDEFINED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(raw: string): string {
  return raw.replace(/&([^;&]*)(;?)/g, (whole, body: string, semi: string) => {
    if (!semi) throw new Error(`bare & in ${JSON.stringify(raw)}`);
    let char: string | undefined;
    if (/^#x[0-9a-fA-F]+$/.test(body)) char = String.fromCodePoint(Number.parseInt(body.slice(2), 16));
    else if (/^#[0-9]+$/.test(body)) char = String.fromCodePoint(Number.parseInt(body.slice(1), 10));
    else char = PREDEFINED[body];
    if (char === undefined) throw new Error(`unknown entity ${whole}`);
    if (ILLEGAL.test(char)) throw new Error(`character reference to an illegal character: ${whole}`);
    return char;
  });
}

export function parseXml(source: string): XmlElement {
  const illegal = ILLEGAL.exec(source);
  if (illegal)
    throw new Error(`illegal character U+${illegal[0].codePointAt(0)?.toString(16)} at ${illegal.index}`);
  let pos = 0;
  const fail = (message: string): never => {
    throw new Error(`${message} at ${pos}: ${JSON.stringify(source.slice(pos, pos + 40))}`);
  };
  const skipSpace = () => {
    while (pos < source.length && /[ \t\r\n]/.test(source[pos] ?? '')) pos += 1;
  };
  const expect = (literal: string) => {
    if (!source.startsWith(literal, pos)) fail(`expected ${JSON.stringify(literal)}`);
    pos += literal.length;
  };
  const name = (): string => {
    NAME.lastIndex = pos;
    const match = NAME.exec(source);
    if (!match) return fail('expected a name');
    pos += match[0].length;
    return match[0];
  };
  const comment = () => {
    const end = source.indexOf('-->', pos + 4);
    if (end < 0) fail('unterminated comment');
    pos = end + 3;
  };
  const misc = () => {
    for (;;) {
      skipSpace();
      if (source.startsWith('<!--', pos)) comment();
      else return;
    }
  };

  const element = (): XmlElement => {
    expect('<');
    const tag = name();
    const attributes: Record<string, string> = {};
    for (;;) {
      const before = pos;
      skipSpace();
      if (source.startsWith('/>', pos)) {
        pos += 2;
        return { name: tag, attributes, children: [], text: '' };
      }
      if (source.startsWith('>', pos)) {
        pos += 1;
        break;
      }
      if (pos === before) fail('expected whitespace before an attribute');
      const attribute = name();
      skipSpace();
      expect('=');
      skipSpace();
      const quote = source[pos];
      if (quote !== '"' && quote !== "'") return fail('unquoted attribute value');
      const end = source.indexOf(quote, pos + 1);
      if (end < 0) fail('unterminated attribute value');
      const raw = source.slice(pos + 1, end);
      if (raw.includes('<')) fail('< in an attribute value');
      if (Object.hasOwn(attributes, attribute)) fail(`duplicate attribute ${attribute}`);
      // Attribute-value normalisation: literal white space becomes a space, references survive.
      attributes[attribute] = decode(raw.replace(/[\t\n\r]/g, ' '));
      pos = end + 1;
    }
    const children: XmlElement[] = [];
    let text = '';
    for (;;) {
      if (pos >= source.length) fail(`unclosed <${tag}>`);
      if (source.startsWith('</', pos)) {
        pos += 2;
        const closing = name();
        if (closing !== tag) fail(`</${closing}> closes <${tag}>`);
        skipSpace();
        expect('>');
        return { name: tag, attributes, children, text };
      }
      if (source.startsWith('<!--', pos)) comment();
      else if (source.startsWith('<![CDATA[', pos)) {
        const end = source.indexOf(']]>', pos);
        if (end < 0) fail('unterminated CDATA');
        text += source.slice(pos + 9, end);
        pos = end + 3;
      } else if (source.startsWith('<?', pos) || source.startsWith('<!', pos)) {
        fail('processing instructions and declarations are not expected here');
      } else if (source[pos] === '<') {
        children.push(element());
      } else {
        const next = source.indexOf('<', pos);
        const raw = source.slice(pos, next < 0 ? source.length : next);
        if (raw.includes(']]>')) fail(']]> in character data');
        // End-of-line handling: a literal CR LF or CR reaches the application as LF.
        text += decode(raw.replace(/\r\n?/g, '\n'));
        pos += raw.length;
      }
    }
  };

  if (source.startsWith('<?xml', pos)) {
    const end = source.indexOf('?>', pos);
    if (end < 0) fail('unterminated XML declaration');
    pos = end + 2;
  }
  misc();
  const root = element();
  misc();
  if (pos !== source.length) fail('content after the root element');
  return root;
}

export function childrenNamed(element: XmlElement, name: string): XmlElement[] {
  return element.children.filter((child) => child.name === name);
}

export function descendantsNamed(element: XmlElement, name: string): XmlElement[] {
  return element.children.flatMap((child) => [
    ...(child.name === name ? [child] : []),
    ...descendantsNamed(child, name),
  ]);
}
