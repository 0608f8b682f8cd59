/**
 * Data keys: one random 256-bit AES key per blob, stored only wrapped (AES-256-GCM) by a
 * key-encryption key of the blob's organization. The AAD binds the wrapped key to its blob id and
 * KEK id, so a wrapped key moved onto another blob's row, or relabelled as another KEK's, does not
 * open. Layout of a wrapped key: nonce (12 bytes) || encrypted key (32) || tag (16).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { KeyEncryptionKey } from './organization-keys.ts';

export const wrappedDataKeyBytes = 60;

/** A fresh random data key. */
export function createDataKey(): Buffer {
  return randomBytes(32);
}

function dataKeyAad(blobId: string, kekId: string): Buffer {
  return Buffer.from(`consilium.dek.v1|${blobId}|${kekId}`, 'utf8');
}

/** Wraps `dataKey` of blob `blobId` under `kek`. */
export function wrapDataKey(kek: KeyEncryptionKey, blobId: string, dataKey: Buffer): Buffer {
  if (dataKey.length !== 32) throw new Error('A data key is 32 bytes.');
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', kek.key, nonce);
  cipher.setAAD(dataKeyAad(blobId, kek.id));
  const body = Buffer.concat([cipher.update(dataKey), cipher.final()]);
  return Buffer.concat([nonce, body, cipher.getAuthTag()]);
}

/** Opens the wrapped data key of blob `blobId`; throws when it was not wrapped for this blob by `kek`. */
export function unwrapDataKey(kek: KeyEncryptionKey, blobId: string, wrapped: Buffer): Buffer {
  if (wrapped.length !== wrappedDataKeyBytes)
    throw new Error(`The wrapped data key of blob ${blobId} has the wrong length.`);
  const decipher = createDecipheriv('aes-256-gcm', kek.key, wrapped.subarray(0, 12));
  decipher.setAAD(dataKeyAad(blobId, kek.id));
  decipher.setAuthTag(wrapped.subarray(44, 60));
  try {
    return Buffer.concat([decipher.update(wrapped.subarray(12, 44)), decipher.final()]);
  } catch (error) {
    throw new Error(`The data key of blob ${blobId} does not open with key ${kek.id}.`, {
      cause: error,
    });
  }
}
