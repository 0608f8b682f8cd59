/**
 * Secrets of the instance and small cryptographic building blocks: opaque tokens stored only as
 * SHA-256 digests, and AES-256-GCM sealing of values kept at rest (TOTP secrets) under the
 * instance key in `<data dir>/keys/instance.key`.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

/** A new opaque token (256 bits, base64url). */
export function createToken(): string {
  return randomBytes(32).toString('base64url');
}

/** The SHA-256 hex digest under which a token is stored. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function sha256Hex(input: string | Uint8Array): string {
  return createHash('sha256').update(input).digest('hex');
}

/** Constant-time comparison of two strings. */
export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export interface SecretBox {
  seal(plaintext: string): string;
  open(sealed: string): string;
}

/** AES-256-GCM with a random 96-bit nonce; the output is `v1.<nonce>.<ciphertext>.<tag>`. */
export function createSecretBox(key: Buffer): SecretBox {
  if (key.length !== 32) throw new Error('The instance key must be 32 bytes.');
  return {
    seal(plaintext) {
      const nonce = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, nonce);
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return ['v1', nonce, body, cipher.getAuthTag()]
        .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
        .join('.');
    },
    open(sealed) {
      const [version, nonce, body, tag] = sealed.split('.');
      if (version !== 'v1' || nonce === undefined || body === undefined || tag === undefined) {
        throw new Error('Unrecognised sealed value.');
      }
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(nonce, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([
        decipher.update(Buffer.from(body, 'base64url')),
        decipher.final(),
      ]).toString('utf8');
    },
  };
}

/** Load the instance key, creating it (0600) on first start. */
export async function loadInstanceKey(dataDir: string): Promise<Buffer> {
  const keyDir = path.join(dataDir, 'keys');
  const keyFile = path.join(keyDir, 'instance.key');
  await fs.mkdir(keyDir, { recursive: true, mode: 0o700 });
  try {
    const key = Buffer.from((await fs.readFile(keyFile, 'utf8')).trim(), 'base64');
    if (key.length !== 32) throw new Error(`${keyFile} does not hold a 32-byte key.`);
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    const key = randomBytes(32);
    await fs.writeFile(keyFile, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    return key;
  }
}
