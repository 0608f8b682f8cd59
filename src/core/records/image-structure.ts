/**
 * Whether a photo or scan of a record is whole, judged from its structure at its two ends: a
 * truncated upload or a damaged file is kept but marked `corrupt`, so the coordinator asks for it
 * again instead of a specialist finding a grey half-image. Pixels are never decoded here. Pure:
 * works on the same ends of the file the content sniffer reads (`FileEnds`).
 *
 * Checks, per format:
 * - JPEG (ITU-T T.81 annex B): the marker segments from SOI up to the start of scan are well
 *   formed (a marker byte after each `FF`, lengths inside the file), a frame header (SOFn) comes
 *   before the scan, and the file ends with the EOI marker `FF D9` (zero padding after it aside).
 * - PNG (ISO/IEC 15948 section 5): the first chunk is a 13-byte IHDR with a valid CRC and a non-zero
 *   size, and the file ends with the IEND chunk.
 * - TIFF (TIFF 6.0 section 2): the first IFD lies inside the file, has at least one entry, fits
 *   in the file, and names the image width and length (tags 256 and 257).
 * - HEIC (ISO/IEC 14496-12 section 4.2): the top-level boxes chain from `ftyp` with sizes that stay
 *   inside the file; when the chain can be followed to the end it must end exactly there and
 *   include the `meta` box HEIF requires.
 */
import type { DocumentCondition } from './record-types.ts';
import type { FileEnds } from './content-sniffing.ts';

export type ImageFormat = 'jpeg' | 'png' | 'tiff' | 'heic';

function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

// CRC-32 as PNG uses it (ISO/IEC 15948 annex D).
const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = crcTable[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function jpegIsWhole({ head, tail, sizeBytes }: FileEnds): boolean {
  if (head[0] !== 0xff || head[1] !== 0xd8) return false;
  let offset = 2;
  let sawFrame = false;
  while (offset + 4 <= head.length) {
    if (head[offset] !== 0xff) return false;
    let marker = head[offset + 1]!;
    // Fill bytes: any number of FF may precede a marker (T.81 B.1.1.2).
    while (marker === 0xff && offset + 2 < head.length) {
      offset += 1;
      marker = head[offset + 1]!;
    }
    if (marker === 0xd9 || marker === 0x00) return false;
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      offset += 2;
      continue;
    }
    const length = viewOf(head).getUint16(offset + 2);
    if (length < 2 || offset + 2 + length > sizeBytes) return false;
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc)
      sawFrame = true;
    if (marker === 0xda) {
      if (!sawFrame) return false;
      break;
    }
    offset += 2 + length;
  }
  // Some writers pad the file after EOI with zero bytes; nothing else may follow it.
  let end = tail.length;
  while (end > 0 && tail[end - 1] === 0x00) end -= 1;
  return end >= 2 && tail[end - 2] === 0xff && tail[end - 1] === 0xd9;
}

const pngEnd = [0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82];

function pngIsWhole({ head, tail }: FileEnds): boolean {
  if (head.length < 8 + 25) return false;
  const view = viewOf(head);
  const length = view.getUint32(8);
  const type = String.fromCharCode(...head.subarray(12, 16));
  if (length !== 13 || type !== 'IHDR') return false;
  if (view.getUint32(16) === 0 || view.getUint32(20) === 0) return false;
  if (crc32(head.subarray(12, 29)) !== view.getUint32(29)) return false;
  if (tail.length < pngEnd.length) return false;
  const end = tail.subarray(tail.length - pngEnd.length);
  return pngEnd.every((byte, index) => end[index] === byte);
}

function tiffIsWhole({ head, sizeBytes }: FileEnds): boolean {
  if (head.length < 8) return false;
  const littleEndian = head[0] === 0x49;
  const view = viewOf(head);
  const ifd = view.getUint32(4, littleEndian);
  if (ifd < 8 || ifd + 2 > sizeBytes) return false;
  // An IFD beyond the bytes at hand cannot be read here; its offset at least lies in the file.
  if (ifd + 2 > head.length) return true;
  const entries = view.getUint16(ifd, littleEndian);
  if (entries === 0 || ifd + 2 + entries * 12 + 4 > sizeBytes) return false;
  if (ifd + 2 + entries * 12 > head.length) return true;
  const tags = new Set<number>();
  for (let index = 0; index < entries; index += 1)
    tags.add(view.getUint16(ifd + 2 + index * 12, littleEndian));
  return tags.has(256) && tags.has(257);
}

function heicIsWhole({ head, sizeBytes }: FileEnds): boolean {
  const view = viewOf(head);
  let offset = 0;
  let sawMeta = false;
  let first = true;
  while (offset < sizeBytes) {
    if (offset + 8 > head.length) return offset + 8 <= sizeBytes;
    let size = view.getUint32(offset);
    const type = String.fromCharCode(...head.subarray(offset + 4, offset + 8));
    if (first && type !== 'ftyp') return false;
    first = false;
    if (type === 'meta') sawMeta = true;
    if (size === 1) {
      if (offset + 16 > head.length) return false;
      size = Number(view.getBigUint64(offset + 8));
    } else if (size === 0) {
      size = sizeBytes - offset;
    }
    if (size < 8 || offset + size > sizeBytes) return false;
    offset += size;
  }
  return offset === sizeBytes && sawMeta;
}

/**
 * `ready` when the image's structure is whole as far as its ends show, `corrupt` otherwise. The
 * format is the one the sniffer found; the caller passes the same ends it sniffed.
 */
export function checkImageStructure(format: ImageFormat, ends: FileEnds): DocumentCondition {
  let whole: boolean;
  switch (format) {
    case 'jpeg':
      whole = jpegIsWhole(ends);
      break;
    case 'png':
      whole = pngIsWhole(ends);
      break;
    case 'tiff':
      whole = tiffIsWhole(ends);
      break;
    case 'heic':
      whole = heicIsWhole(ends);
      break;
  }
  return whole ? 'ready' : 'corrupt';
}
