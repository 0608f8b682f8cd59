import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/api-error.ts';
import type {
  RecordUploadCallbacks,
  RecordUploadHandle,
  RecordUploadOptions,
} from './tus-upload.ts';
import { isRetryable, UploadQueue } from './upload-queue.ts';

/** A transport under the test's control: each started upload waits to be told how it ends. */
function fakeTransport() {
  const started: {
    options: RecordUploadOptions;
    callbacks: RecordUploadCallbacks;
    paused: number;
    resumed: number;
    cancelled: boolean;
  }[] = [];
  const createUpload = (options: RecordUploadOptions): RecordUploadHandle => {
    const record = {
      options,
      callbacks: options.callbacks,
      paused: 0,
      resumed: 0,
      cancelled: false,
    };
    return {
      start: async () => {
        started.push(record);
      },
      pause: async () => {
        record.paused += 1;
      },
      resume: () => {
        record.resumed += 1;
      },
      cancel: async () => {
        record.cancelled = true;
      },
    };
  };
  return { started, createUpload };
}

const file = (name: string, size = 10) => new File(['x'.repeat(size)], name);

function makeQueue(concurrency = 2) {
  const transport = fakeTransport();
  const finished: { uploaded: number; failed: number }[] = [];
  let batch = 0;
  const queue = new UploadQueue({
    caseId: 'case-1',
    concurrency,
    createUpload: transport.createUpload,
    newBatchId: () => `batch-${String((batch += 1))}`,
    publishEveryMs: 0,
  });
  queue.setEvents({
    onBatchFinished: ({ uploaded, failed }) => finished.push({ uploaded, failed }),
  });
  return { queue, transport, finished };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('UploadQueue', () => {
  it('sends no more files at once than its concurrency, and starts the next when one ends', async () => {
    const { queue, transport } = makeQueue(2);
    queue.add(
      ['a', 'b', 'c', 'd'].map((name) => ({ file: file(name), relativePath: `CD/${name}` })),
    );
    await settle();
    expect(transport.started.map((upload) => upload.options.file.name)).toEqual(['a', 'b']);
    transport.started[0]!.callbacks.onSuccess();
    await settle();
    expect(transport.started.map((upload) => upload.options.file.name)).toEqual(['a', 'b', 'c']);
  });

  it('tells the files of one drop apart from another by batch id', async () => {
    const { queue, transport } = makeQueue(4);
    queue.add([{ file: file('a'), relativePath: '' }]);
    queue.add([{ file: file('b'), relativePath: '' }]);
    await settle();
    expect(transport.started.map((upload) => upload.options.batchId)).toEqual([
      'batch-1',
      'batch-2',
    ]);
  });

  it('reports a batch once all its files are over, counting the files sent', async () => {
    const { queue, transport, finished } = makeQueue(3);
    queue.add(['a', 'b', 'c'].map((name) => ({ file: file(name), relativePath: '' })));
    await settle();
    transport.started[0]!.callbacks.onSuccess();
    transport.started[1]!.callbacks.onError(
      new ApiError({ status: 415, code: 'unsupported_file_type', message: 'no' }),
    );
    expect(finished).toEqual([]);
    transport.started[2]!.callbacks.onSuccess();
    expect(finished).toEqual([{ uploaded: 2, failed: 1 }]);
    expect(queue.getSnapshot().totals).toMatchObject({
      files: 3,
      done: 2,
      failed: 1,
      remaining: 0,
    });
  });

  it('refuses a file before sending it, and that file ends its batch at once', () => {
    const { queue, transport, finished } = makeQueue();
    queue.add(
      [{ file: file('big', 50), relativePath: '' }],
      () => new ApiError({ status: 413, code: 'file_too_large', message: 'too large' }),
    );
    expect(transport.started).toEqual([]);
    expect(finished).toEqual([{ uploaded: 0, failed: 1 }]);
    expect(queue.getSnapshot().items[0]).toMatchObject({
      state: 'failed',
      error: { code: 'file_too_large' },
    });
  });

  it('pauses a running file back to what the server confirmed, and resumes the same upload', async () => {
    const { queue, transport } = makeQueue(1);
    queue.add([
      { file: file('a', 100), relativePath: '' },
      { file: file('b'), relativePath: '' },
    ]);
    await settle();
    const upload = transport.started[0]!;
    upload.callbacks.onAccepted(40);
    upload.callbacks.onProgress(90, 100);
    const id = queue.getSnapshot().items[0]!.id;
    queue.pauseAll();
    await settle();
    expect(upload.paused).toBe(1);
    // Pausing everything does not start the file that was waiting.
    expect(transport.started).toHaveLength(1);
    expect(queue.getSnapshot().items[0]).toMatchObject({ state: 'paused', sent: 40 });
    queue.resume(id);
    expect(upload.resumed).toBe(1);
    expect(queue.getSnapshot().items[0]!.state).toBe('uploading');
  });

  it('cancels a running file on the server and forgets it', async () => {
    const { queue, transport, finished } = makeQueue(1);
    queue.add([{ file: file('a'), relativePath: '' }]);
    await settle();
    queue.cancel(queue.getSnapshot().items[0]!.id);
    expect(transport.started[0]!.cancelled).toBe(true);
    expect(queue.getSnapshot().totals).toMatchObject({ cancelled: 1, remaining: 0 });
    expect(finished).toEqual([{ uploaded: 0, failed: 0 }]);
  });

  it('retries only what a new attempt can fix, and reports only newly sent files', async () => {
    const { queue, transport, finished } = makeQueue(1);
    queue.add([{ file: file('a'), relativePath: '' }]);
    await settle();
    transport.started[0]!.callbacks.onError(
      new ApiError({ status: 0, code: 'network_error', message: 'down' }),
    );
    expect(finished).toEqual([{ uploaded: 0, failed: 1 }]);
    queue.retry(queue.getSnapshot().items[0]!.id);
    await settle();
    transport.started[1]!.callbacks.onSuccess();
    expect(finished).toEqual([
      { uploaded: 0, failed: 1 },
      { uploaded: 1, failed: 0 },
    ]);
  });

  it('ignores events from an upload it has stopped following', async () => {
    const { queue, transport } = makeQueue(1);
    queue.add([{ file: file('a'), relativePath: '' }]);
    await settle();
    queue.cancel(queue.getSnapshot().items[0]!.id);
    transport.started[0]!.callbacks.onSuccess();
    expect(queue.getSnapshot().items[0]!.state).toBe('cancelled');
  });
});

describe('isRetryable', () => {
  it('is true for the connection, server errors and a case not yet taking documents', () => {
    expect(isRetryable(new ApiError({ status: 0, code: 'network_error', message: '' }))).toBe(true);
    expect(isRetryable(new ApiError({ status: 503, code: 'unavailable', message: '' }))).toBe(true);
    expect(
      isRetryable(new ApiError({ status: 409, code: 'case_not_accepting_documents', message: '' })),
    ).toBe(true);
  });

  it('is false when the file itself was refused', () => {
    expect(
      isRetryable(new ApiError({ status: 415, code: 'unsupported_file_type', message: '' })),
    ).toBe(false);
    expect(isRetryable(new ApiError({ status: 413, code: 'file_too_large', message: '' }))).toBe(
      false,
    );
  });
});
