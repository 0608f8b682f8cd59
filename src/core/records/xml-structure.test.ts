import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findXmlStructureError } from './xml-structure.ts';

const ccd = fs.readFileSync(
  path.resolve(import.meta.dirname, '../../../tests/fixtures/records/ccda/CCD1.xml'),
  'utf8',
);

describe('findXmlStructureError', () => {
  it('finds a real C-CDA document whole', () => {
    expect(findXmlStructureError(ccd)).toBeNull();
  });

  it('accepts comments, processing instructions, CDATA and a quoted ">", but no "<" in a value', () => {
    expect(
      findXmlStructureError(
        '\ufeff<?xml version="1.0"?>\n<!-- c --><?pi x?>\n<a x="1>2" y=\'<\'><b/><![CDATA[<not a tag>]]><c>t</c></a>\n<!-- end -->\n',
      ),
    ).toBe('an attribute value holds "<"');
    expect(findXmlStructureError('<a><b</a>')).toBe(
      'a tag is not closed before the next one opens',
    );
    expect(
      findXmlStructureError(
        '<?xml version="1.0"?>\n<!-- c --><a x="1>2"><b/><![CDATA[<not a tag>]]><c>t</c></a>\n<!-- end -->\n',
      ),
    ).toBeNull();
  });

  it('names what is wrong with a broken document', () => {
    expect(findXmlStructureError('<a><b></a>')).toBe('</a> closes <b>');
    expect(findXmlStructureError('<a></a><b/>')).toBe('a second root element follows the first');
    expect(findXmlStructureError('<a>')).toBe('the document ends before </a>');
    expect(findXmlStructureError('<a x="1')).toBe('the document ends inside a tag');
    expect(findXmlStructureError('</a>')).toBe('</a> closes nothing');
    expect(findXmlStructureError('hello <a/>')).toBe('text comes before the root element');
    expect(findXmlStructureError('<a/> hello')).toBe('text follows the root element');
    expect(findXmlStructureError('<!DOCTYPE a><a/>')).toBe(
      'a document type declaration is not accepted',
    );
    expect(findXmlStructureError('<!-- open')).toBe('a comment is not closed');
    expect(findXmlStructureError('')).toBe('there is no root element');
    expect(findXmlStructureError('<1a/>')).toBe('<1a> is not an element name');
  });

  it('finds every truncation of a real document broken', () => {
    const end = ccd.trimEnd().length;
    fc.assert(
      fc.property(fc.integer({ min: 1, max: end - 1 }), (cut) => {
        expect(findXmlStructureError(ccd.slice(0, cut))).not.toBeNull();
      }),
      { numRuns: 200 },
    );
  });
});
