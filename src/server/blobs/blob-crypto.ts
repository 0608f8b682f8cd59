/**
 * The sealed blob format: a file encrypted with AES-256-GCM in fixed-size segments, streamed in
 * both directions with memory bounded by one segment, whatever the file's size.
 *
 * Layout (format version 1):
 *
 *   header   magic "CSLB" (4) | version 1 (1) | segment size in plaintext bytes, uint32 BE (4)
 *            | random nonce prefix (8)                                          = 17 bytes
 *   segments ciphertext of `segment size` plaintext bytes (the last: 0..segment size) | tag (16)
 *
 * There is always at least one segment, and only the last one is marked final: a file of L bytes
 * has max(1, ceil(L / S)) segments. Segment i is encrypted under the blob's data key with nonce
 * = prefix || uint32 BE i, and AAD = header || blob id (16 bytes) || uint32 BE i || final flag
 * (0 or 1). This is the STREAM construction (Hoang, Reyhanitabar, Rogaway, Vizár, "Online
 * Authenticated-Encryption and its Nonce-Reuse Misuse-Resistance", CRYPTO 2015) with the header
 * authenticated by every segment: flipped bits, reordered or swapped segments (within or between
 * blobs), a changed header, truncation at a segment boundary (the new last segment is not marked
 * final) and appended bytes all fail a tag. A decrypting stream emits a segment's plaintext only
 * after its tag verifies, and fails when the final segment is missing.
 *
 * Because the segment boundaries are fixed, a plaintext byte range is decrypted by reading only
 * the header and the segments that cover it (`planRange`, `createRangeDecryptStream`).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

export const blobFormatVersion = 1;
export const blobHeaderBytes = 17;
export const segmentTagBytes = 16;
/** 64 KiB of plaintext per segment: small enough for range reads, large enough to cost ~0.02 %. */
export const defaultSegmentBytes = 64 * 1024;
/** The largest segment a header may declare, which bounds the memory of decryption. */
export const maxSegmentBytes = 16 * 1024 * 1024;

const magic = Buffer.from('CSLB', 'ascii');
const maxSegments = 2 ** 32;
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A sealed blob failed a check: a tag, its header, its length or its plaintext digest. */
export class BlobIntegrityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BlobIntegrityError';
  }
}

export interface BlobHeader {
  version: number;
  segmentBytes: number;
  noncePrefix: Buffer;
  /** The header exactly as stored, authenticated by every segment. */
  bytes: Buffer;
}

/** A new header: this format version, the given segment size and a random nonce prefix. */
export function createHeader(segmentBytes: number = defaultSegmentBytes): BlobHeader {
  if (!Number.isInteger(segmentBytes) || segmentBytes < 1 || segmentBytes > maxSegmentBytes)
    throw new RangeError(`The segment size must be between 1 and ${maxSegmentBytes} bytes.`);
  const noncePrefix = randomBytes(8);
  const bytes = Buffer.alloc(blobHeaderBytes);
  magic.copy(bytes, 0);
  bytes.writeUInt8(blobFormatVersion, 4);
  bytes.writeUInt32BE(segmentBytes, 5);
  noncePrefix.copy(bytes, 9);
  return { version: blobFormatVersion, segmentBytes, noncePrefix, bytes };
}

/** Reads a stored header; refuses anything but a version 1 header with a sane segment size. */
export function parseHeader(bytes: Buffer): BlobHeader {
  if (bytes.length < blobHeaderBytes) throw new BlobIntegrityError('The blob header is truncated.');
  const header = Buffer.from(bytes.subarray(0, blobHeaderBytes));
  if (!header.subarray(0, 4).equals(magic))
    throw new BlobIntegrityError('This is not a sealed blob (bad magic).');
  const version = header.readUInt8(4);
  if (version !== blobFormatVersion)
    throw new BlobIntegrityError(`Unsupported sealed blob version ${version}.`);
  const segmentBytes = header.readUInt32BE(5);
  if (segmentBytes < 1 || segmentBytes > maxSegmentBytes)
    throw new BlobIntegrityError(`Implausible segment size ${segmentBytes} in the blob header.`);
  return { version, segmentBytes, noncePrefix: header.subarray(9, 17), bytes: header };
}

/** How many segments a plaintext of `plaintextBytes` takes (at least one, the final). */
export function segmentCount(plaintextBytes: number, segmentBytes: number): number {
  return Math.max(1, Math.ceil(plaintextBytes / segmentBytes));
}

/** The size of the sealed blob of a plaintext of `plaintextBytes`. */
export function sealedSize(plaintextBytes: number, segmentBytes: number): number {
  return (
    blobHeaderBytes + plaintextBytes + segmentTagBytes * segmentCount(plaintextBytes, segmentBytes)
  );
}

function blobIdBytes(blobId: string): Buffer {
  if (!uuidPattern.test(blobId)) throw new Error(`Malformed blob id ${blobId}.`);
  return Buffer.from(blobId.replaceAll('-', ''), 'hex');
}

/** Encrypts and opens the segments of one blob. */
class SegmentCipher {
  private readonly key: Buffer;
  private readonly header: BlobHeader;
  private readonly blobId: Buffer;

  constructor(key: Buffer, blobId: string, header: BlobHeader) {
    if (key.length !== 32) throw new Error('A data key is 32 bytes.');
    this.key = key;
    this.header = header;
    this.blobId = blobIdBytes(blobId);
  }

  private nonce(index: number): Buffer {
    if (index >= maxSegments) throw new RangeError('Too many segments for one blob.');
    const nonce = Buffer.alloc(12);
    this.header.noncePrefix.copy(nonce, 0);
    nonce.writeUInt32BE(index, 8);
    return nonce;
  }

  private aad(index: number, final: boolean): Buffer {
    const position = Buffer.alloc(5);
    position.writeUInt32BE(index, 0);
    position.writeUInt8(final ? 1 : 0, 4);
    return Buffer.concat([this.header.bytes, this.blobId, position]);
  }

  seal(index: number, final: boolean, plaintext: Buffer): Buffer {
    const cipher = createCipheriv('aes-256-gcm', this.key, this.nonce(index));
    cipher.setAAD(this.aad(index, final));
    return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  }

  open(index: number, final: boolean, sealed: Buffer): Buffer {
    if (sealed.length < segmentTagBytes)
      throw new BlobIntegrityError(`Segment ${index} is truncated.`);
    const body = sealed.subarray(0, sealed.length - segmentTagBytes);
    const decipher = createDecipheriv('aes-256-gcm', this.key, this.nonce(index));
    decipher.setAAD(this.aad(index, final));
    decipher.setAuthTag(sealed.subarray(sealed.length - segmentTagBytes));
    const plaintext = decipher.update(body);
    try {
      decipher.final();
    } catch {
      throw new BlobIntegrityError(
        `Segment ${index} of the blob failed authentication (tampered, truncated, reordered or not this blob's).`,
      );
    }
    return plaintext;
  }
}

/** A FIFO of byte chunks from which exact lengths are taken without re-concatenating everything. */
class ByteQueue {
  private chunks: Buffer[] = [];
  length = 0;

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.length += chunk.length;
  }

  /** The next `count` bytes (at most `length`). */
  take(count: number): Buffer {
    const first = this.chunks[0];
    if (first !== undefined && first.length >= count) {
      const taken = first.subarray(0, count);
      if (first.length === count) this.chunks.shift();
      else this.chunks[0] = first.subarray(count);
      this.length -= count;
      return taken;
    }
    const out = Buffer.allocUnsafe(Math.min(count, this.length));
    let filled = 0;
    while (filled < out.length) {
      const chunk = this.chunks[0]!;
      const part = Math.min(chunk.length, out.length - filled);
      chunk.copy(out, filled, 0, part);
      filled += part;
      if (part === chunk.length) this.chunks.shift();
      else this.chunks[0] = chunk.subarray(part);
    }
    this.length -= out.length;
    return out;
  }

  takeAll(): Buffer {
    return this.take(this.length);
  }
}

export interface EncryptOptions {
  dataKey: Buffer;
  blobId: string;
  segmentBytes?: number;
}

/** A Transform from plaintext to the sealed blob (header, then segments). */
export function createEncryptStream(options: EncryptOptions): Transform {
  const header = createHeader(options.segmentBytes);
  const cipher = new SegmentCipher(options.dataKey, options.blobId, header);
  const segmentBytes = header.segmentBytes;
  const pending = new ByteQueue();
  let index = 0;
  let headerSent = false;
  const sendHeader = (stream: Transform) => {
    if (headerSent) return;
    headerSent = true;
    stream.push(header.bytes);
  };
  return new Transform({
    transform(this: Transform, chunk: Buffer, _encoding, callback: TransformCallback) {
      try {
        sendHeader(this);
        pending.push(chunk);
        // Strictly more than a segment: a full segment is final if nothing follows it.
        while (pending.length > segmentBytes) {
          this.push(cipher.seal(index, false, pending.take(segmentBytes)));
          index += 1;
        }
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
    flush(this: Transform, callback: TransformCallback) {
      try {
        sendHeader(this);
        this.push(cipher.seal(index, true, pending.takeAll()));
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
  });
}

export interface DecryptOptions {
  dataKey: Buffer;
  blobId: string;
}

/**
 * A Transform from a whole sealed blob to its plaintext. Each segment is emitted only after its
 * tag verifies; the stream errors with BlobIntegrityError on any failed tag, a bad header, or a
 * missing final segment.
 */
export function createDecryptStream(options: DecryptOptions): Transform {
  const pending = new ByteQueue();
  let cipher: SegmentCipher | null = null;
  let sealedSegmentBytes = 0;
  let index = 0;
  return new Transform({
    transform(this: Transform, chunk: Buffer, _encoding, callback: TransformCallback) {
      try {
        pending.push(chunk);
        if (cipher === null) {
          if (pending.length < blobHeaderBytes) {
            callback();
            return;
          }
          const header = parseHeader(pending.take(blobHeaderBytes));
          cipher = new SegmentCipher(options.dataKey, options.blobId, header);
          sealedSegmentBytes = header.segmentBytes + segmentTagBytes;
        }
        // Hold back one full segment until more follows: only then is it known not to be final.
        while (pending.length > sealedSegmentBytes) {
          this.push(cipher.open(index, false, pending.take(sealedSegmentBytes)));
          index += 1;
        }
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
    flush(this: Transform, callback: TransformCallback) {
      try {
        if (cipher === null) throw new BlobIntegrityError('The blob header is truncated.');
        if (pending.length < segmentTagBytes)
          throw new BlobIntegrityError('The blob is truncated: its final segment is missing.');
        this.push(cipher.open(index, true, pending.takeAll()));
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
  });
}

/** An inclusive plaintext byte range, as in HTTP `Range: bytes=start-end`. */
export interface ByteRange {
  start: number;
  end: number;
}

/** Which stored bytes hold a plaintext range, and how to cut the range out of their plaintext. */
export interface RangePlan {
  firstSegment: number;
  lastSegment: number;
  /** Index of the blob's final segment (decrypted with the final flag). */
  finalSegment: number;
  segmentBytes: number;
  plaintextBytes: number;
  /** Inclusive offsets in the sealed blob of the segments to read. */
  sealedStart: number;
  sealedEnd: number;
  /** Plaintext bytes to drop from the first segment read. */
  skipBytes: number;
  /** Plaintext bytes of the range. */
  lengthBytes: number;
}

/** Plans reading `range` of a plaintext of `plaintextBytes` sealed with `segmentBytes`. */
export function planRange(
  plaintextBytes: number,
  segmentBytes: number,
  range: ByteRange,
): RangePlan {
  const { start, end } = range;
  if (
    !Number.isSafeInteger(start) ||
    !Number.isSafeInteger(end) ||
    start < 0 ||
    end < start ||
    end >= plaintextBytes
  )
    throw new RangeError(
      `The range ${start}-${end} is not within the blob's ${plaintextBytes} bytes.`,
    );
  const sealedSegmentBytes = segmentBytes + segmentTagBytes;
  const finalSegment = segmentCount(plaintextBytes, segmentBytes) - 1;
  const firstSegment = Math.floor(start / segmentBytes);
  const lastSegment = Math.floor(end / segmentBytes);
  const lastPlaintext =
    lastSegment === finalSegment ? plaintextBytes - finalSegment * segmentBytes : segmentBytes;
  const sealedStart = blobHeaderBytes + firstSegment * sealedSegmentBytes;
  const sealedEnd =
    blobHeaderBytes + lastSegment * sealedSegmentBytes + lastPlaintext + segmentTagBytes - 1;
  return {
    firstSegment,
    lastSegment,
    finalSegment,
    segmentBytes,
    plaintextBytes,
    sealedStart,
    sealedEnd,
    skipBytes: start - firstSegment * segmentBytes,
    lengthBytes: end - start + 1,
  };
}

export interface RangeDecryptOptions extends DecryptOptions {
  /** The blob's header, read from its first bytes. */
  header: BlobHeader;
  plan: RangePlan;
}

/**
 * A Transform from the sealed bytes `plan.sealedStart..plan.sealedEnd` to the plaintext of the
 * planned range. Every segment read is authenticated (with its index and final flag) before any
 * of its bytes are emitted; missing or extra bytes are an error.
 */
export function createRangeDecryptStream(options: RangeDecryptOptions): Transform {
  const { plan } = options;
  if (options.header.segmentBytes !== plan.segmentBytes)
    throw new BlobIntegrityError('The blob header disagrees with the recorded segment size.');
  const cipher = new SegmentCipher(options.dataKey, options.blobId, options.header);
  const pending = new ByteQueue();
  let index = plan.firstSegment;
  let remaining = plan.lengthBytes;
  const sealedLength = (segment: number) =>
    (segment === plan.finalSegment
      ? plan.plaintextBytes - plan.finalSegment * plan.segmentBytes
      : plan.segmentBytes) + segmentTagBytes;
  const drain = (stream: Transform) => {
    while (index <= plan.lastSegment && pending.length >= sealedLength(index)) {
      let plaintext = cipher.open(
        index,
        index === plan.finalSegment,
        pending.take(sealedLength(index)),
      );
      if (index === plan.firstSegment) plaintext = plaintext.subarray(plan.skipBytes);
      if (plaintext.length > remaining) plaintext = plaintext.subarray(0, remaining);
      remaining -= plaintext.length;
      index += 1;
      if (plaintext.length > 0) stream.push(plaintext);
    }
    if (index > plan.lastSegment && pending.length > 0)
      throw new BlobIntegrityError('The blob has more bytes than its segments account for.');
  };
  return new Transform({
    transform(this: Transform, chunk: Buffer, _encoding, callback: TransformCallback) {
      try {
        pending.push(chunk);
        drain(this);
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
    flush(this: Transform, callback: TransformCallback) {
      try {
        drain(this);
        if (index <= plan.lastSegment)
          throw new BlobIntegrityError(`The blob is truncated: segment ${index} is incomplete.`);
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
  });
}
