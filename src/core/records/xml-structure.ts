/**
 * Whether an XML record is whole: every element closed in order, one root element, nothing but
 * comments and processing instructions around it. The C-CDA converter's parser is lenient and
 * reads a truncated document as if it were complete, so a record cut off in transfer would pass
 * for a shorter one; this check lets the ingestion mark it `corrupt` instead. Pure, one linear
 * pass over the text.
 *
 * What it checks is the element structure of XML 1.0 (section 2.1 `document`, section 3.1 start,
 * end and empty-element tags, sections 2.5–2.8 comments, CDATA, processing instructions). It does
 * not validate names character by character, entities or attribute uniqueness, and refuses any
 * document type declaration (C-CDA documents have none, and DTD entities can expand without bound).
 */

/** Why `xml` is not a whole XML document, or null when its structure is sound. */
export function findXmlStructureError(xml: string): string | null {
  const stack: string[] = [];
  let rootSeen = false;
  let rootClosed = false;
  let index = xml.startsWith('\ufeff') ? 1 : 0;
  const length = xml.length;
  while (index < length) {
    const open = xml.indexOf('<', index);
    const textEnd = open < 0 ? length : open;
    if (stack.length === 0 && xml.slice(index, textEnd).trim() !== '')
      return rootClosed ? 'text follows the root element' : 'text comes before the root element';
    if (open < 0) break;
    if (xml.startsWith('<!--', open)) {
      const end = xml.indexOf('-->', open + 4);
      if (end < 0) return 'a comment is not closed';
      index = end + 3;
      continue;
    }
    if (xml.startsWith('<![CDATA[', open)) {
      if (stack.length === 0) return 'a CDATA section stands outside the root element';
      const end = xml.indexOf(']]>', open + 9);
      if (end < 0) return 'a CDATA section is not closed';
      index = end + 3;
      continue;
    }
    if (xml.startsWith('<?', open)) {
      const end = xml.indexOf('?>', open + 2);
      if (end < 0) return 'a processing instruction is not closed';
      index = end + 2;
      continue;
    }
    if (xml.startsWith('<!', open)) return 'a document type declaration is not accepted';
    // Find the tag's end, skipping '>' inside quoted attribute values.
    let quote = '';
    let close = -1;
    for (let k = open + 1; k < length; k += 1) {
      const character = xml[k];
      if (quote !== '') {
        if (character === quote) quote = '';
        // XML 1.0 section 3.1 (AttValue): "<" never stands in an attribute value.
        else if (character === '<') return 'an attribute value holds "<"';
      } else if (character === '"' || character === "'") {
        quote = character;
      } else if (character === '<') {
        return 'a tag is not closed before the next one opens';
      } else if (character === '>') {
        close = k;
        break;
      }
    }
    if (close < 0) return 'the document ends inside a tag';
    const tag = xml.slice(open + 1, close);
    if (tag.startsWith('/')) {
      const name = tag.slice(1).trim();
      const expected = stack.pop();
      if (expected === undefined) return `</${name}> closes nothing`;
      if (name !== expected) return `</${name}> closes <${expected}>`;
      if (stack.length === 0) rootClosed = true;
    } else {
      const name = /^[^\s/>]+/.exec(tag)?.[0] ?? '';
      if (!/^[A-Za-z_\u00c0-\uffff][\w.:\-\u00b7\u00c0-\uffff]*$/.test(name))
        return `<${name}> is not an element name`;
      if (rootClosed) return 'a second root element follows the first';
      rootSeen = true;
      if (tag.endsWith('/')) {
        if (stack.length === 0) rootClosed = true;
      } else {
        stack.push(name);
      }
    }
    index = close + 1;
  }
  const open = stack[stack.length - 1];
  if (open !== undefined) return `the document ends before </${open}>`;
  if (!rootSeen) return 'there is no root element';
  return null;
}
