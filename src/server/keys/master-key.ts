/**
 * The instance master key: the root of the key hierarchy of records at rest (docs/storage.md).
 * It wraps the organizations' key-encryption keys and never enters the database or a backup.
 *
 * It comes from `CONSILIUM_MASTER_KEY` (32 bytes, base64) when set, else from
 * `<data dir>/keys/master.key`, created 0600 on first start. It is separate from the instance key
 * (`instance.key`, which seals TOTP secrets) so that it can be held outside the data directory,
 * in a secret store, while the rest of the instance stays on disk.
 */
import { createHmac, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

export interface MasterKey {
  /** 32 bytes of AES-256 key. */
  readonly key: Buffer;
  /** A fingerprint (16 hex digits) stored beside what the key wraps, so a wrong key is named. */
  readonly id: string;
  readonly source: 'environment' | 'file';
}

/** The file holding the master key when the environment does not provide it. */
export function masterKeyFile(dataDir: string): string {
  return path.join(dataDir, 'keys', 'master.key');
}

/** A master key from its 32 bytes. */
export function masterKeyFromBytes(key: Buffer, source: MasterKey['source']): MasterKey {
  if (key.length !== 32) throw new Error('The master key must be 32 bytes.');
  // An HMAC under the key itself: reveals nothing about it, and differs for every key.
  const id = createHmac('sha256', key)
    .update('consilium master key id v1')
    .digest('hex')
    .slice(0, 16);
  return { key: Buffer.from(key), id, source };
}

/**
 * The configured master key: from the environment when given, else read from (or, on first
 * start, created in) `<data dir>/keys/master.key`.
 */
export async function loadMasterKey(config: {
  dataDir: string;
  masterKey: Buffer | null;
}): Promise<MasterKey> {
  if (config.masterKey !== null) return masterKeyFromBytes(config.masterKey, 'environment');
  const file = masterKeyFile(config.dataDir);
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  try {
    const key = Buffer.from((await fs.readFile(file, 'utf8')).trim(), 'base64');
    if (key.length !== 32) throw new Error(`${file} does not hold a 32-byte key.`);
    return masterKeyFromBytes(key, 'file');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const key = randomBytes(32);
  // Written in full and flushed under a temporary name, then linked into place: a key that
  // encrypted anything must survive a crash, and a second process starting at once either wins
  // the link or reads the winner's complete file.
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const handle = await fs.open(temporary, 'wx', 0o600);
  try {
    await handle.writeFile(`${key.toString('base64')}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await fs.link(temporary, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return await loadMasterKey(config);
  } finally {
    await fs.rm(temporary, { force: true });
  }
  const directory = await fs.open(path.dirname(file), 'r');
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
  return masterKeyFromBytes(key, 'file');
}

/** Raised when what the database holds was wrapped by another master key than the configured one. */
export class MasterKeyMismatchError extends Error {
  readonly expectedId: string;
  readonly configuredId: string;

  constructor(expectedId: string, configuredId: string) {
    super(
      `The configured master key (id ${configuredId}) is not the one that wrapped this instance's organization keys (id ${expectedId}). ` +
        'Restore the original master key (CONSILIUM_MASTER_KEY or <data dir>/keys/master.key); without it, stored records cannot be read.',
    );
    this.name = 'MasterKeyMismatchError';
    this.expectedId = expectedId;
    this.configuredId = configuredId;
  }
}
