/**
 * Where sealed blobs are kept: a store of opaque objects under validated keys, with two
 * implementations chosen by configuration — the local file system (local-blob-store.ts, the
 * default, under `<data dir>/blobs`) and any S3-compatible object store (s3-blob-store.ts).
 * The store sees only ciphertext; encryption and the database rows are sealed-blobs.ts's.
 *
 * Every implementation keeps one promise: `put` is atomic. Until it resolves, nothing (not a
 * half-written object) is visible under the key; if it fails, nothing is left under the key.
 */
import type { Readable } from 'node:stream';

/** An inclusive byte range, as in HTTP `Range: bytes=start-end`; `end` past the object is clamped. */
export interface StoreRange {
  start: number;
  end: number;
}

export interface StoredObject {
  key: string;
  sizeBytes: number;
  modifiedAt: Date;
}

export interface BlobStore {
  readonly kind: 'local' | 's3';
  /** Stores everything `source` yields under `key`, atomically (replacing an existing object). */
  put(key: string, source: Readable): Promise<{ bytes: number }>;
  /** The object's bytes, or the inclusive `range` of them. BlobNotFoundError, BlobRangeError. */
  get(key: string, range?: StoreRange): Promise<Readable>;
  /** Size and modification time; null when there is no object. */
  stat(key: string): Promise<StoredObject | null>;
  exists(key: string): Promise<boolean>;
  /** Removes the object; an absent object is not an error. */
  delete(key: string): Promise<void>;
  /** Every stored object (in no particular order), for the orphan sweep. */
  list(): AsyncIterable<StoredObject>;
  /**
   * Removes what interrupted puts (a crashed process) left behind before `olderThan`; returns how
   * many. Local: staging files. S3: nothing here — a bucket lifecycle rule aborts incomplete
   * multipart uploads (docs/storage.md).
   */
  removeIncompleteUploads(olderThan: Date): Promise<number>;
  close(): Promise<void>;
}

/** No object under the key. */
export class BlobNotFoundError extends Error {
  readonly key: string;

  constructor(key: string) {
    super(`No blob is stored under ${key}.`);
    this.name = 'BlobNotFoundError';
    this.key = key;
  }
}

/** The requested range starts beyond the object (or is malformed). */
export class BlobRangeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BlobRangeError';
  }
}

// Path segments of letters, digits, '.', '_' and '-', each starting with a letter or digit: no
// '..', no absolute paths, no hidden names (the local store keeps its staging area under `.staging`).
const keyPattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}(\/[A-Za-z0-9][A-Za-z0-9._-]{0,127}){0,7}$/;

/** Refuses a key that could leave the store's root or collide with its own bookkeeping. */
export function assertValidKey(key: string): void {
  if (key.length > 512 || !keyPattern.test(key)) throw new Error(`Malformed blob key "${key}".`);
}

/** Checks a range's shape (the store then checks it against the object's size). */
export function assertValidRange(range: StoreRange): void {
  if (
    !Number.isSafeInteger(range.start) ||
    !Number.isSafeInteger(range.end) ||
    range.start < 0 ||
    range.end < range.start
  )
    throw new BlobRangeError(`Malformed byte range ${range.start}-${range.end}.`);
}
