import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sniffHeadBytes, sniffTailBytes, type FileEnds } from './content-sniffing.ts';
import { checkImageStructure } from './image-structure.ts';

function concat(...parts: (number[] | Uint8Array | string)[]): Uint8Array {
  const chunks = parts.map((part) =>
    typeof part === 'string' ? new TextEncoder().encode(part) : Uint8Array.from(part),
  );
  const out = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

function endsOf(file: Uint8Array): FileEnds {
  return {
    head: file.subarray(0, Math.min(file.length, sniffHeadBytes)),
    tail: file.subarray(Math.max(0, file.length - sniffTailBytes)),
    sizeBytes: file.length,
  };
}

function segment(marker: number, body: number[]): number[] {
  const length = body.length + 2;
  return [0xff, marker, length >> 8, length & 0xff, ...body];
}

/** A baseline JPEG's structure: SOI, APP0, DQT, SOF0, DHT, SOS, entropy-coded data, EOI. */
function jpeg(scanBytes = 64): Uint8Array {
  return concat(
    [0xff, 0xd8],
    segment(0xe0, [0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0]),
    segment(0xdb, [0, ...new Array<number>(64).fill(1)]),
    segment(0xc0, [8, 0, 16, 0, 16, 1, 1, 0x11, 0]),
    segment(0xc4, [0, ...new Array<number>(16).fill(0), 0]),
    segment(0xda, [1, 1, 0, 0, 63, 0]),
    new Array<number>(scanBytes).fill(0x55),
    [0xff, 0xd9],
  );
}

// CRC-32 (ISO/IEC 15948 annex D), written out again so the test does not trust the module's.
function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k += 1) crc = crc & 1 ? 0xedb88320 ^ (crc >>> 1) : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: number[]): Uint8Array {
  const typed = concat(type, data);
  const out = new Uint8Array(8 + data.length + 4);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  out.set(typed, 4);
  view.setUint32(8 + data.length, crc32(typed));
  return out;
}

function png(width = 1, height = 1): Uint8Array {
  const ihdr = [0, 0, 0, width, 0, 0, 0, height, 8, 0, 0, 0, 0];
  return concat(
    [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
    chunk('IHDR', ihdr),
    chunk('IDAT', [0x78, 0x9c, 0x63, 0x60, 0, 0, 0, 2, 0, 1]),
    chunk('IEND', []),
  );
}

function tiff(entries: number[][]): Uint8Array {
  const ifd = new Uint8Array(2 + entries.length * 12 + 4);
  const view = new DataView(ifd.buffer);
  view.setUint16(0, entries.length, true);
  entries.forEach(([tag, type, count, value], index) => {
    view.setUint16(2 + index * 12, tag!, true);
    view.setUint16(4 + index * 12, type!, true);
    view.setUint32(6 + index * 12, count!, true);
    view.setUint32(10 + index * 12, value!, true);
  });
  return concat([0x49, 0x49, 0x2a, 0x00, 8, 0, 0, 0], ifd, new Array<number>(16).fill(0));
}

function box(type: string, size: number, body: number[] = []): Uint8Array {
  const out = new Uint8Array(8 + body.length);
  new DataView(out.buffer).setUint32(0, size);
  out.set(new TextEncoder().encode(type), 4);
  out.set(body, 8);
  return out;
}

function heic(mdatBytes: number): Uint8Array {
  const brands = [
    ...new TextEncoder().encode('heic'),
    0,
    0,
    0,
    0,
    ...new TextEncoder().encode('mif1heic'),
  ];
  return concat(
    box('ftyp', 8 + brands.length, brands),
    box('meta', 12, [0, 0, 0, 0]),
    box('mdat', 8 + mdatBytes),
    new Array<number>(mdatBytes).fill(7),
  );
}

describe('checkImageStructure', () => {
  it('finds whole images ready', () => {
    expect(checkImageStructure('jpeg', endsOf(jpeg()))).toBe('ready');
    expect(checkImageStructure('jpeg', endsOf(concat(jpeg(), [0, 0, 0])))).toBe('ready');
    expect(checkImageStructure('png', endsOf(png()))).toBe('ready');
    expect(
      checkImageStructure(
        'tiff',
        endsOf(
          tiff([
            [256, 3, 1, 4],
            [257, 3, 1, 4],
            [273, 4, 1, 8],
          ]),
        ),
      ),
    ).toBe('ready');
    expect(checkImageStructure('heic', endsOf(heic(100)))).toBe('ready');
  });

  it('finds a JPEG cut short, or with a broken segment, corrupt', () => {
    const whole = jpeg();
    expect(checkImageStructure('jpeg', endsOf(whole.subarray(0, whole.length - 10)))).toBe(
      'corrupt',
    );
    const broken = Uint8Array.from(whole);
    broken[2 + 2] = 0xff; // APP0's length now runs past the end of the file
    expect(checkImageStructure('jpeg', endsOf(broken))).toBe('corrupt');
    const trailing = concat(whole, 'appended data');
    expect(checkImageStructure('jpeg', endsOf(trailing))).toBe('corrupt');
  });

  it('finds a PNG without IEND, with a bad IHDR checksum or an empty size corrupt', () => {
    const whole = png();
    expect(checkImageStructure('png', endsOf(whole.subarray(0, whole.length - 12)))).toBe(
      'corrupt',
    );
    const badCrc = Uint8Array.from(whole);
    badCrc[29] = badCrc[29]! ^ 0xff;
    expect(checkImageStructure('png', endsOf(badCrc))).toBe('corrupt');
    expect(checkImageStructure('png', endsOf(png(0, 1)))).toBe('corrupt');
  });

  it('finds a TIFF whose first IFD is outside the file, empty, or without a size corrupt', () => {
    const outside = concat(
      [0x49, 0x49, 0x2a, 0x00, 0xff, 0xff, 0, 0],
      new Array<number>(20).fill(0),
    );
    expect(checkImageStructure('tiff', endsOf(outside))).toBe('corrupt');
    expect(checkImageStructure('tiff', endsOf(tiff([])))).toBe('corrupt');
    expect(checkImageStructure('tiff', endsOf(tiff([[273, 4, 1, 8]])))).toBe('corrupt');
  });

  it('finds a HEIC whose boxes run past the end, or without meta, corrupt', () => {
    const whole = heic(100);
    expect(checkImageStructure('heic', endsOf(whole.subarray(0, whole.length - 1)))).toBe(
      'corrupt',
    );
    const brands = [...new TextEncoder().encode('heic'), 0, 0, 0, 0];
    expect(
      checkImageStructure('heic', endsOf(concat(box('ftyp', 16, brands), box('mdat', 8)))),
    ).toBe('corrupt');
  });

  it('finds any truncation of a JPEG or PNG corrupt', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(['jpeg', jpeg(200)] as const, ['png', png()] as const),
        fc.nat(),
        ([format, file], cut) => {
          const length = cut % file.length;
          expect(checkImageStructure(format, endsOf(file.subarray(0, length)))).toBe('corrupt');
        },
      ),
    );
  });
});
