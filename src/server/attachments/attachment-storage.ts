/**
 * Attachment files on disk, under `<data dir>/attachments/<organization>/<case>/<attachment id>`
 * (the row's `storage_key` is the part after `attachments/`). A file is received into
 * `attachments/.staging/`, hashed (SHA-256) and counted while it streams, flushed to disk
 * (fsync), and only then renamed into place, so a file under its key is always complete; a
 * staging file is removed on every failure. Names sent by browsers never reach the file system.
 */
import { randomUUID } from 'node:crypto';
import type { ReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../../core/errors.ts';
import { MeasuringStream } from '../platform/measuring-stream.ts';

const uuidPattern = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const storageKeyPattern = new RegExp(`^${uuidPattern}/${uuidPattern}/${uuidPattern}$`);

/** The directory holding every attachment file. */
export function attachmentsRoot(dataDir: string): string {
  return path.join(dataDir, 'attachments');
}

/** Where staging files live while they are received (same file system, so renaming is atomic). */
export function attachmentStagingDir(dataDir: string): string {
  return path.join(attachmentsRoot(dataDir), '.staging');
}

/** The storage key of a new attachment: organization, case and attachment ids. */
export function attachmentStorageKey(
  organizationId: string,
  caseId: string,
  attachmentId: string,
): string {
  return `${organizationId}/${caseId}/${attachmentId}`;
}

/** The file of `storageKey`; refuses anything but the three-id shape, so no key leaves the root. */
export function attachmentFilePath(dataDir: string, storageKey: string): string {
  if (!storageKeyPattern.test(storageKey))
    throw new Error(`malformed attachment storage key ${storageKey}`);
  return path.join(attachmentsRoot(dataDir), ...storageKey.split('/'));
}

/** The 413 of a file over `maxBytes`, whether declared up front or found while streaming. */
export function fileTooLarge(maxBytes: number): AppError {
  return new AppError('payload_too_large', {
    message: `The file is larger than ${Math.floor(maxBytes / (1024 * 1024))} MB.`,
    details: { maxBytes },
    // The rest of the body is not wanted: end the connection instead of reading it.
    headers: { connection: 'close' },
  });
}

export interface StoredFile {
  sizeBytes: number;
  sha256: string;
}

/**
 * Receives `source` into the file of `storageKey`: streamed to a staging file (created 0600, never
 * overwriting), hashed and counted on the way, refused with 413 beyond `maxBytes`, flushed, then
 * renamed into place and the directory flushed too. On any failure (too large, client gone, disk
 * full) the staging file is removed and nothing is left under the key.
 */
export async function receiveAttachmentFile(
  dataDir: string,
  storageKey: string,
  source: Readable,
  maxBytes: number,
): Promise<StoredFile> {
  const target = attachmentFilePath(dataDir, storageKey);
  const staging = path.join(attachmentStagingDir(dataDir), `${randomUUID()}.part`);
  await fs.mkdir(path.dirname(staging), { recursive: true, mode: 0o700 });
  const measured = new MeasuringStream(maxBytes, fileTooLarge);
  const handle = await fs.open(staging, 'wx', 0o600);
  // `pipe`, not `pipeline`, from the request: a refused upload must leave the request (and its
  // socket) alive so the 413 can still be sent; a client that goes away fails the copy instead.
  const onSourceError = (error: Error) => measured.destroy(error);
  const onSourceClose = () => {
    if (!source.readableEnded) measured.destroy(new Error('the upload was interrupted'));
  };
  source.once('error', onSourceError);
  source.once('close', onSourceClose);
  source.pipe(measured);
  try {
    // `flush`: the contents reach the disk (fsync) before the handle is closed.
    await pipeline(measured, handle.createWriteStream({ flush: true }));
  } catch (error) {
    source.unpipe(measured);
    await handle.close().catch(() => undefined);
    await fs.rm(staging, { force: true });
    throw error;
  } finally {
    source.off('error', onSourceError);
    source.off('close', onSourceClose);
  }
  try {
    await fs.mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
    await fs.rename(staging, target);
    await syncDirectory(path.dirname(target));
  } catch (error) {
    await fs.rm(staging, { force: true });
    await fs.rm(target, { force: true });
    throw error;
  }
  return { sizeBytes: measured.sizeBytes, sha256: measured.hash.digest('hex') };
}

/** Makes a rename durable: the directory entry is flushed like the file's contents. */
async function syncDirectory(directory: string): Promise<void> {
  const handle = await fs.open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Opens the file of `storageKey` for reading; rejects (ENOENT) when it is missing. */
export async function openAttachmentFile(dataDir: string, storageKey: string): Promise<ReadStream> {
  const handle = await fs.open(attachmentFilePath(dataDir, storageKey), 'r');
  return handle.createReadStream();
}

/** Removes the file of `storageKey`; a file already gone is not an error. */
export async function removeAttachmentFile(dataDir: string, storageKey: string): Promise<void> {
  await fs.rm(attachmentFilePath(dataDir, storageKey), { force: true });
}
