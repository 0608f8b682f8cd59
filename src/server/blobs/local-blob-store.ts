/**
 * The blob store on the local file system: the object under key `a/b/c` is the file
 * `<root>/a/b/c` (default root `<data dir>/blobs`, directories 0700, files 0600).
 *
 * A put streams into `<root>/.staging/<random>.part` — the same file system, so the final rename
 * is atomic — flushes the file (fsync), renames it over the key and flushes the directories it
 * changed, so after a crash a key holds either its complete object or nothing. A failed put
 * removes its staging file; staging files of a crashed process are removed by
 * `removeIncompleteUploads` (run by the orphan sweep).
 */
import { randomUUID } from 'node:crypto';
import type { Dirent } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  assertValidKey,
  assertValidRange,
  BlobNotFoundError,
  BlobRangeError,
  type BlobStore,
  type StoredObject,
  type StoreRange,
} from './blob-store.ts';

const stagingName = '.staging';

export class LocalBlobStore implements BlobStore {
  readonly kind = 'local';
  readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  /** Where a key's file lives; the key is validated first, so the path stays under the root. */
  filePath(key: string): string {
    assertValidKey(key);
    return path.join(this.root, ...key.split('/'));
  }

  /** The directory of in-progress puts. */
  get stagingDirectory(): string {
    return path.join(this.root, stagingName);
  }

  async put(key: string, source: Readable): Promise<{ bytes: number }> {
    const target = this.filePath(key);
    await ensureDirectory(this.stagingDirectory);
    const staging = path.join(this.stagingDirectory, `${randomUUID()}.part`);
    let bytes = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, callback: TransformCallback) {
        bytes += chunk.length;
        callback(null, chunk);
      },
    });
    try {
      const handle = await fs.open(staging, 'wx', 0o600);
      // `flush`: the contents reach the disk (fsync) before the file is closed.
      await pipeline(source, counter, handle.createWriteStream({ flush: true }));
      await ensureDirectory(path.dirname(target));
      await fs.rename(staging, target);
      await syncDirectory(path.dirname(target));
    } catch (error) {
      source.destroy();
      await fs.rm(staging, { force: true });
      throw error;
    }
    return { bytes };
  }

  async get(key: string, range?: StoreRange): Promise<Readable> {
    const file = this.filePath(key);
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(file, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new BlobNotFoundError(key);
      throw error;
    }
    if (range === undefined) return handle.createReadStream();
    try {
      assertValidRange(range);
      const { size } = await handle.stat();
      if (range.start >= size)
        throw new BlobRangeError(
          `The range starts at ${range.start}, past the ${size} bytes of ${key}.`,
        );
      return handle.createReadStream({ start: range.start, end: Math.min(range.end, size - 1) });
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  async stat(key: string): Promise<StoredObject | null> {
    try {
      const stats = await fs.stat(this.filePath(key));
      return stats.isFile() ? { key, sizeBytes: stats.size, modifiedAt: stats.mtime } : null;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  async exists(key: string): Promise<boolean> {
    return (await this.stat(key)) !== null;
  }

  async delete(key: string): Promise<void> {
    await fs.rm(this.filePath(key), { force: true });
  }

  async *list(): AsyncIterable<StoredObject> {
    yield* this.walk(this.root, []);
  }

  private async *walk(directory: string, prefix: string[]): AsyncGenerator<StoredObject> {
    let entries: Dirent[];
    try {
      entries = await fs.readdir(directory, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const full = path.join(directory, entry.name);
      if (entry.isDirectory()) {
        yield* this.walk(full, [...prefix, entry.name]);
      } else if (entry.isFile()) {
        const stats = await fs.stat(full).catch(() => null);
        if (stats !== null)
          yield {
            key: [...prefix, entry.name].join('/'),
            sizeBytes: stats.size,
            modifiedAt: stats.mtime,
          };
      }
    }
  }

  async removeIncompleteUploads(olderThan: Date): Promise<number> {
    let removed = 0;
    let names: string[];
    try {
      names = await fs.readdir(this.stagingDirectory);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw error;
    }
    for (const name of names) {
      const file = path.join(this.stagingDirectory, name);
      const stats = await fs.stat(file).catch(() => null);
      if (stats?.isFile() === true && stats.mtime < olderThan) {
        await fs.rm(file, { force: true });
        removed += 1;
      }
    }
    return removed;
  }

  async close(): Promise<void> {
    // Nothing held open between calls.
  }
}

/**
 * Creates `directory` (0700) if needed and flushes the parent of every directory it created, so a
 * renamed file's path survives a crash, not only the file's contents.
 */
async function ensureDirectory(directory: string): Promise<void> {
  const firstCreated = await fs.mkdir(directory, { recursive: true, mode: 0o700 });
  if (firstCreated === undefined) return;
  const target = path.resolve(directory);
  let current = path.resolve(firstCreated);
  for (;;) {
    await syncDirectory(path.dirname(current));
    if (current === target) return;
    current = path.join(current, path.relative(current, target).split(path.sep)[0]!);
  }
}

/** Makes directory entries durable (a rename or a new subdirectory). */
async function syncDirectory(directory: string): Promise<void> {
  const handle = await fs.open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
