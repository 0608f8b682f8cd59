/**
 * The blob store on an S3-compatible object store (AWS S3, MinIO, Ceph RGW, Garage, …): the
 * object under key `a/b/c` is the bucket's object `a/b/c`.
 *
 * S3 makes an object visible only when its upload completes, which gives `put` its atomicity: a
 * small object is one PutObject; a larger one is a multipart upload, sent in parts of
 * `partBytes` (memory stays at one part), completed only after the source ended, and aborted when
 * the source or a part fails — so a half-written object is never visible under its key.
 * Multipart uploads left by a crashed process are for the bucket's lifecycle rule
 * (AbortIncompleteMultipartUpload, docs/storage.md).
 *
 * Request checksums are sent only when an operation requires them: several S3-compatible servers
 * do not accept the SDK's default trailing checksums, and every blob carries its own
 * authentication tags anyway.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  type CompletedPart,
} from '@aws-sdk/client-s3';
import { Readable } from 'node:stream';
import {
  assertValidKey,
  assertValidRange,
  BlobNotFoundError,
  BlobRangeError,
  type BlobStore,
  type StoredObject,
  type StoreRange,
} from './blob-store.ts';

/** S3's smallest part (but the last) and largest part count. */
const minPartBytes = 5 * 1024 * 1024;
const maxParts = 10_000;

export interface S3BlobStoreOptions {
  bucket: string;
  region: string;
  /** The service's URL for S3-compatible servers; unset for AWS. */
  endpoint?: string | undefined;
  /** Static credentials; unset: the SDK's default chain (environment, instance role, …). */
  credentials?: { accessKeyId: string; secretAccessKey: string } | undefined;
  /** Path-style URLs (`endpoint/bucket/key`), which most self-hosted servers need. */
  forcePathStyle?: boolean;
  /** Size of a multipart upload's parts (default 8 MiB, at least 5 MiB). */
  partBytes?: number;
}

export class S3BlobStore implements BlobStore {
  readonly kind = 's3';
  readonly bucket: string;
  private readonly client: S3Client;
  private readonly partBytes: number;

  constructor(options: S3BlobStoreOptions) {
    this.bucket = options.bucket;
    this.partBytes = options.partBytes ?? 8 * 1024 * 1024;
    if (this.partBytes < minPartBytes)
      throw new RangeError(`S3 parts must be at least ${minPartBytes} bytes.`);
    this.client = new S3Client({
      region: options.region,
      ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
      ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
      forcePathStyle: options.forcePathStyle ?? false,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      // An unreachable endpoint fails in seconds; a stalled transfer after five idle minutes.
      requestHandler: { connectionTimeout: 10_000, requestTimeout: 300_000 },
    });
  }

  async put(key: string, source: Readable): Promise<{ bytes: number }> {
    assertValidKey(key);
    let uploadId: string | undefined;
    const parts: CompletedPart[] = [];
    let buffered: Buffer[] = [];
    let bufferedBytes = 0;
    let total = 0;
    const sendPart = async () => {
      uploadId ??= (
        await this.client.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: key }))
      ).UploadId;
      if (uploadId === undefined) throw new Error('The object store returned no upload id.');
      if (parts.length >= maxParts) throw new Error('The object is too large for one upload.');
      const body = Buffer.concat(buffered, bufferedBytes);
      buffered = [];
      bufferedBytes = 0;
      const partNumber = parts.length + 1;
      const { ETag } = await this.client.send(
        new UploadPartCommand({
          Bucket: this.bucket,
          Key: key,
          UploadId: uploadId,
          PartNumber: partNumber,
          Body: body,
          ContentLength: body.length,
        }),
      );
      parts.push({ ETag, PartNumber: partNumber });
    };
    try {
      for await (const chunk of source as AsyncIterable<Buffer>) {
        buffered.push(chunk);
        bufferedBytes += chunk.length;
        total += chunk.length;
        if (bufferedBytes >= this.partBytes) await sendPart();
      }
      if (uploadId === undefined) {
        const body = Buffer.concat(buffered, bufferedBytes);
        await this.client.send(
          new PutObjectCommand({
            Bucket: this.bucket,
            Key: key,
            Body: body,
            ContentLength: body.length,
          }),
        );
      } else {
        if (bufferedBytes > 0) await sendPart();
        await this.client.send(
          new CompleteMultipartUploadCommand({
            Bucket: this.bucket,
            Key: key,
            UploadId: uploadId,
            MultipartUpload: { Parts: parts },
          }),
        );
      }
    } catch (error) {
      source.destroy();
      if (uploadId !== undefined) {
        // Best effort: the original failure is what the caller needs to see; an upload that
        // cannot be aborted now is removed by the bucket's lifecycle rule.
        await this.client
          .send(
            new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId }),
          )
          .catch(() => undefined);
      }
      throw error;
    }
    return { bytes: total };
  }

  async get(key: string, range?: StoreRange): Promise<Readable> {
    assertValidKey(key);
    if (range !== undefined) assertValidRange(range);
    try {
      const output = await this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: key,
          ...(range === undefined ? {} : { Range: `bytes=${range.start}-${range.end}` }),
        }),
      );
      const body = output.Body;
      if (!(body instanceof Readable))
        throw new Error('The object store answered without a readable body.');
      // A server answers a range it cannot satisfy with 416, or (some, for an empty object)
      // with the whole object: either way, not the bytes asked for.
      if (range !== undefined && output.ContentRange === undefined) {
        body.destroy();
        throw new BlobRangeError(`The range ${range.start}-${range.end} is not within ${key}.`);
      }
      return body;
    } catch (error) {
      if (isNotFound(error)) throw new BlobNotFoundError(key);
      if (statusOf(error) === 416 || nameOf(error) === 'InvalidRange')
        throw new BlobRangeError(`The range ${range?.start}-${range?.end} is not within ${key}.`);
      throw error;
    }
  }

  async stat(key: string): Promise<StoredObject | null> {
    assertValidKey(key);
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return {
        key,
        sizeBytes: head.ContentLength ?? 0,
        modifiedAt: head.LastModified ?? new Date(0),
      };
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  async exists(key: string): Promise<boolean> {
    return (await this.stat(key)) !== null;
  }

  async delete(key: string): Promise<void> {
    assertValidKey(key);
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  async *list(): AsyncIterable<StoredObject> {
    let continuationToken: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          ...(continuationToken === undefined ? {} : { ContinuationToken: continuationToken }),
        }),
      );
      for (const object of page.Contents ?? []) {
        if (object.Key === undefined) continue;
        yield {
          key: object.Key,
          sizeBytes: object.Size ?? 0,
          modifiedAt: object.LastModified ?? new Date(0),
        };
      }
      continuationToken = page.IsTruncated === true ? page.NextContinuationToken : undefined;
    } while (continuationToken !== undefined);
  }

  async removeIncompleteUploads(): Promise<number> {
    // Left to the bucket's AbortIncompleteMultipartUpload lifecycle rule (docs/storage.md).
    return 0;
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}

function nameOf(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}

function statusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null || !('$metadata' in error)) return undefined;
  const metadata = (error as { $metadata?: { httpStatusCode?: number } }).$metadata;
  return metadata?.httpStatusCode;
}

/** No such object (GetObject names it; HeadObject, without a body, answers a bare 404). */
function isNotFound(error: unknown): boolean {
  const name = nameOf(error);
  return name === 'NoSuchKey' || name === 'NotFound';
}
