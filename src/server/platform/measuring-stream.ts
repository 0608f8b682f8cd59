/**
 * A pass-through stream that counts and hashes (SHA-256) the bytes going by, and fails with the
 * caller's error once more than `maxBytes` went by: how a stored file is measured on its way in,
 * whatever stores it.
 */
import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

export class MeasuringStream extends Transform {
  readonly hash = createHash('sha256');
  sizeBytes = 0;
  private readonly maxBytes: number;
  private readonly tooLarge: (maxBytes: number) => Error;

  constructor(maxBytes: number, tooLarge: (maxBytes: number) => Error) {
    super();
    this.maxBytes = maxBytes;
    this.tooLarge = tooLarge;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
    this.sizeBytes += chunk.length;
    if (this.sizeBytes > this.maxBytes) {
      callback(this.tooLarge(this.maxBytes));
      return;
    }
    this.hash.update(chunk);
    callback(null, chunk);
  }
}
