/**
 * The staging area of resumable uploads: `<data dir>/records/staging/<upload id>` holds the bytes
 * received so far, `<upload id>.json` what tus needs to resume (declared length, cleaned metadata,
 * creation time). The upload id is the `record_uploads` row's UUID, checked before any path is
 * built, so no name sent by a browser reaches the file system.
 *
 * The store is tus's file store with three changes: files and their descriptions are created
 * 0600 in a 0700 directory (they are medical records in the clear until the processing step
 * encrypts them); after every PATCH the file is flushed to disk (fsync) and its modification time
 * set from the server's clock, so the offset a HEAD reports after a crash or restart is data that
 * is really there, and "no progress since" is measured on the same clock as everything else; and
 * only the creation, creation-with-upload and termination extensions are offered (no deferred
 * length, no tus-side expiry: `expireStaleUploads` does that with the database).
 *
 * The file store is for one server process (its lock lives in memory); see
 * docs/records-uploads.md for running several instances.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import type http from 'node:http';
import path from 'node:path';
import type stream from 'node:stream';
import { FileStore } from '@tus/file-store';
import { Upload, type KvStore } from '@tus/server';
import { z } from 'zod';
import type { Config } from '../../config/config.ts';
import type { Clock } from '../../platform/clock.ts';

const uploadIdPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The directory of staged uploads. */
export function recordStagingDir(dataDir: string): string {
  return path.join(dataDir, 'records', 'staging');
}

function checkedUploadId(uploadId: string): string {
  if (!uploadIdPattern.test(uploadId)) throw new Error(`malformed upload id ${uploadId}`);
  return uploadId;
}

/**
 * The staged file of upload `uploadId`: complete once the upload's row is `processing`, for the
 * processing step to read. Refuses anything but a UUID, so no path leaves the staging directory.
 */
export function stagingFilePath(config: Pick<Config, 'dataDir'>, uploadId: string): string {
  return path.join(recordStagingDir(config.dataDir), checkedUploadId(uploadId));
}

/** The uploads that have anything in staging (file, description or a leftover temporary). */
export async function listStagedUploadIds(config: Pick<Config, 'dataDir'>): Promise<string[]> {
  const names = await fs.readdir(recordStagingDir(config.dataDir)).catch(() => [] as string[]);
  const ids = names.map((name) => name.slice(0, 36)).filter((id) => uploadIdPattern.test(id));
  return [...new Set(ids)];
}

/** The tus description (`.json`) beside the staged file. */
export function stagingInfoPath(config: Pick<Config, 'dataDir'>, uploadId: string): string {
  return `${stagingFilePath(config, uploadId)}.json`;
}

/**
 * Removes the staged file of `uploadId` and its description; what is already gone is not an
 * error. For the processing step once the file is stored (or refused), and for cancellation.
 */
export async function removeStagedUpload(
  config: Pick<Config, 'dataDir'>,
  uploadId: string,
): Promise<void> {
  await fs.rm(stagingFilePath(config, uploadId), { force: true });
  await fs.rm(stagingInfoPath(config, uploadId), { force: true });
}

/** How much of `uploadId` is staged and when it last grew; null when nothing is staged. */
export async function stagedUploadState(
  config: Pick<Config, 'dataDir'>,
  uploadId: string,
): Promise<{ sizeBytes: number; lastWriteAt: Date } | null> {
  try {
    const stats = await fs.stat(stagingFilePath(config, uploadId));
    return { sizeBytes: stats.size, lastWriteAt: stats.mtime };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

const stagedInfoSchema = z.object({
  id: z.string(),
  size: z.number().int().nonnegative().optional(),
  offset: z.number().int().nonnegative(),
  metadata: z.record(z.string(), z.string().nullable()).optional(),
  creation_date: z.string().optional(),
});

/**
 * The descriptions of staged uploads, one JSON file each, written whole (a temporary file flushed
 * and renamed over the old one), so a crash never leaves half a description.
 */
class StagedInfoStore implements KvStore {
  private readonly directory: string;

  constructor(directory: string) {
    this.directory = directory;
  }

  private fileOf(key: string): string {
    return path.join(this.directory, `${checkedUploadId(key)}.json`);
  }

  async get(key: string): Promise<Upload | undefined> {
    let text: string;
    try {
      text = await fs.readFile(this.fileOf(key), 'utf8');
    } catch {
      return undefined;
    }
    const parsed = stagedInfoSchema.safeParse(JSON.parse(text));
    return parsed.success ? new Upload(parsed.data) : undefined;
  }

  async set(key: string, value: Upload): Promise<void> {
    const file = this.fileOf(key);
    const temporary = `${file}.${randomUUID()}.tmp`;
    const info = {
      id: value.id,
      size: value.size,
      offset: value.offset,
      metadata: value.metadata,
      creation_date: value.creation_date,
    };
    try {
      await fs.writeFile(temporary, JSON.stringify(info), { mode: 0o600, flush: true });
      await fs.rename(temporary, file);
    } catch (error) {
      await fs.rm(temporary, { force: true });
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await fs.rm(this.fileOf(key), { force: true });
  }

  async list(): Promise<string[]> {
    const names = await fs.readdir(this.directory);
    return names
      .filter((name) => name.endsWith('.json'))
      .map((name) => name.slice(0, -'.json'.length))
      .filter((id) => uploadIdPattern.test(id));
  }
}

/** tus's file store, made private, durable and clocked (see the module comment). */
class StagingStore extends FileStore {
  private readonly clock: Clock;

  constructor(directory: string, clock: Clock) {
    super({ directory, configstore: new StagedInfoStore(directory) });
    this.clock = clock;
    this.extensions = ['creation', 'creation-with-upload', 'termination'];
  }

  override async create(upload: Upload): Promise<Upload> {
    const file = path.join(this.directory, checkedUploadId(upload.id));
    // `wx`: an id is never reused, so an existing file is an error, not something to truncate.
    const handle = await fs.open(file, 'wx', 0o600);
    await handle.close();
    await this.configstore.set(upload.id, upload);
    upload.storage = { type: 'file', path: file };
    return upload;
  }

  override async write(
    readable: http.IncomingMessage | stream.Readable,
    uploadId: string,
    offset: number,
  ): Promise<number> {
    let newOffset: number;
    try {
      newOffset = await super.write(readable, uploadId, offset);
    } catch (error) {
      // What did arrive before the connection dropped stays, flushed, for the client to resume.
      await this.settle(uploadId).catch(() => undefined);
      throw error;
    }
    await this.settle(uploadId);
    return newOffset;
  }

  /** Flushes the staged file and stamps its modification time from the server's clock. */
  private async settle(uploadId: string): Promise<void> {
    const handle = await fs.open(path.join(this.directory, checkedUploadId(uploadId)), 'r+');
    try {
      await handle.sync();
      const now = this.clock.now();
      await handle.utimes(now, now);
    } finally {
      await handle.close();
    }
  }
}

/** Creates the staging directory (0700) and the store that writes into it. */
export async function openStagingStore(dataDir: string, clock: Clock): Promise<FileStore> {
  const directory = recordStagingDir(dataDir);
  await fs.mkdir(directory, { recursive: true, mode: 0o700 });
  return new StagingStore(directory, clock);
}
