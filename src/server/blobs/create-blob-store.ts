/**
 * The blob store the configuration names (`CONSILIUM_BLOB_STORE`): local files under
 * `<data dir>/blobs` (or `CONSILIUM_BLOB_DIR`), or an S3-compatible bucket (`CONSILIUM_S3_*`).
 */
import type { BlobStoreConfig } from '../config/config.ts';
import type { BlobStore } from './blob-store.ts';
import { LocalBlobStore } from './local-blob-store.ts';
import { S3BlobStore } from './s3-blob-store.ts';

export function createBlobStore(config: BlobStoreConfig): BlobStore {
  switch (config.kind) {
    case 'local':
      return new LocalBlobStore(config.directory);
    case 's3':
      return new S3BlobStore({
        bucket: config.bucket,
        region: config.region,
        endpoint: config.endpoint,
        credentials: config.credentials,
        forcePathStyle: config.forcePathStyle,
      });
  }
}
