/**
 * The text of a PDF record, read within bounds (issue 4: documents understood; the safety net
 * reads their names and dates). A PDF is a program for a renderer and may be hostile, so:
 *
 * - before anything renders it, every Flate-compressed stream is inflated and counted, discarding
 *   the output: a stream that expands past `maxStreamInflatedBytes`, or all of them together past
 *   `maxTotalInflatedBytes`, refuses the file (`decompression_limit`). A compression bomb thus
 *   neither exhausts the server's memory nor reaches a reviewer's browser. Streams behind other
 *   filters are not expanded here (see docs/records-ingestion.md).
 * - text is read by PDF.js in a worker thread with a heap limit, a watch on its total memory, and a
 *   deadline after which it is terminated; at most `maxPages` pages and about `maxCharacters`
 *   characters are read. What was read before a limit struck is kept, with a warning.
 * - a password-protected PDF (PDF.js `PasswordException`) is `encrypted`; one PDF.js cannot open
 *   is `corrupt`. Both are kept: a person can ask for a readable copy.
 * - PDFs larger than `maxBytes` are refused (`file_too_large`): the whole file is held in memory
 *   while it is read.
 */
import { Worker } from 'node:worker_threads';
import zlib from 'node:zlib';
import { refuseRecord, type RecordRefusal } from '../../../core/records/record-refusals.ts';
import { readFilePrefix } from './file-ends.ts';
import type { PdfTextWorkerInput, PdfTextWorkerMessage } from './pdf-text-worker.ts';

export interface PdfLimits {
  /** The largest PDF read (it is held in memory whole). */
  maxBytes: number;
  maxPages: number;
  maxCharacters: number;
  /** How long text extraction may take before the worker is terminated. */
  timeoutMs: number;
  /** The most one compressed stream may expand to. */
  maxStreamInflatedBytes: number;
  /** The most all compressed streams together may expand to. */
  maxTotalInflatedBytes: number;
  /** The worker's JavaScript heap limit. */
  workerHeapMb: number;
  /** The worker's heap and array buffers together, watched every 100 ms. */
  workerMemoryMb: number;
}

export const defaultPdfLimits: PdfLimits = {
  maxBytes: 256 * 1024 * 1024,
  maxPages: 500,
  maxCharacters: 2_000_000,
  timeoutMs: 30_000,
  maxStreamInflatedBytes: 128 * 1024 * 1024,
  maxTotalInflatedBytes: 1024 * 1024 * 1024,
  workerHeapMb: 512,
  workerMemoryMb: 1024,
};

export type PdfTextResult =
  | {
      condition: 'ready';
      /** Null when no text could be read (a scan without a text layer, a limit struck early). */
      text: string | null;
      pageCount: number | null;
      pagesRead: number;
      warnings: string[];
    }
  | {
      condition: 'encrypted' | 'corrupt';
      text: null;
      pageCount: null;
      pagesRead: 0;
      warnings: string[];
    };

type InflatedCount = { bytes: number } | { over: true };

/** How many bytes zlib data expands to, stopping (and discarding) once past `limit`. */
function countInflated(data: Uint8Array, limit: number): Promise<InflatedCount> {
  return new Promise((resolve) => {
    const inflate = zlib.createInflate({ finishFlush: zlib.constants.Z_SYNC_FLUSH });
    let bytes = 0;
    let settled = false;
    const settle = (result: InflatedCount) => {
      if (settled) return;
      settled = true;
      resolve(result);
    };
    inflate.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > limit) {
        settle({ over: true });
        inflate.destroy();
      }
    });
    // Data that is not zlib (other filters, encryption) is not counted: it does not inflate.
    inflate.on('error', () => settle({ bytes }));
    inflate.on('end', () => settle({ bytes }));
    inflate.end(data);
  });
}

const flateFilter = /\/(FlateDecode|Fl)\b/;

/**
 * Whether a Flate stream of the PDF in `bytes` expands past the limits (ISO 32000-1 section 7.3.8:
 * `<< … /Filter /FlateDecode … >> stream EOL … endstream`). Returns the refusal when one does.
 */
export async function findCompressionBomb(
  bytes: Uint8Array,
  limits: Pick<PdfLimits, 'maxStreamInflatedBytes' | 'maxTotalInflatedBytes'>,
): Promise<RecordRefusal | null> {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let total = 0;
  let position = 0;
  for (;;) {
    const keyword = buffer.indexOf('stream', position, 'latin1');
    if (keyword < 0) return null;
    position = keyword + 6;
    if (keyword >= 3 && buffer.toString('latin1', keyword - 3, keyword) === 'end') continue;
    let start = keyword + 6;
    if (buffer[start] === 0x0d) start += 1;
    if (buffer[start] === 0x0a) start += 1;
    if (start === keyword + 6) continue;
    const dictionary = buffer.toString('latin1', Math.max(0, keyword - 4096), keyword);
    const objectStart = dictionary.lastIndexOf('obj');
    if (!flateFilter.test(objectStart < 0 ? dictionary : dictionary.slice(objectStart))) continue;
    const endKeyword = buffer.indexOf('endstream', start, 'latin1');
    const end = endKeyword < 0 ? buffer.length : endKeyword;
    const limit = Math.min(limits.maxStreamInflatedBytes, limits.maxTotalInflatedBytes - total);
    const counted = await countInflated(buffer.subarray(start, end), limit);
    if ('over' in counted)
      return refuseRecord(
        'decompression_limit',
        limit === limits.maxStreamInflatedBytes
          ? `A compressed part of the PDF expands past ${limits.maxStreamInflatedBytes / (1024 * 1024)} MB.`
          : `The compressed parts of the PDF expand past ${limits.maxTotalInflatedBytes / (1024 * 1024)} MB together.`,
      );
    total += counted.bytes;
    position = end;
  }
}

interface WorkerOutcome {
  pageCount: number | null;
  pages: string[];
  finished: boolean;
  failure: { name: string; message: string } | null;
  stopped: 'time' | 'memory' | 'crash' | null;
}

/** Runs the text worker on `data` (transferred, not copied) within the limits. */
function runTextWorker(data: Uint8Array, limits: PdfLimits): Promise<WorkerOutcome> {
  const input: PdfTextWorkerInput = {
    data,
    maxPages: limits.maxPages,
    maxCharacters: limits.maxCharacters,
  };
  const worker = new Worker(new URL('./pdf-text-worker.ts', import.meta.url), {
    workerData: input,
    transferList: [data.buffer as ArrayBuffer],
    resourceLimits: {
      maxOldGenerationSizeMb: limits.workerHeapMb,
      maxYoungGenerationSizeMb: 64,
    },
    stdout: true,
    stderr: true,
  });
  // PDF.js writes nothing at verbosity 0; anything else written is dropped, never logged.
  worker.stdout.resume();
  worker.stderr.resume();
  const outcome: WorkerOutcome = {
    pageCount: null,
    pages: [],
    finished: false,
    failure: null,
    stopped: null,
  };
  return new Promise((resolve) => {
    const stop = (reason: WorkerOutcome['stopped']) => {
      outcome.stopped ??= reason;
      void worker.terminate();
    };
    const deadline = setTimeout(() => stop('time'), limits.timeoutMs);
    const memoryWatch = setInterval(() => {
      worker
        .getHeapStatistics()
        .then((heap) => {
          if (heap.used_heap_size + heap.external_memory > limits.workerMemoryMb * 1024 * 1024)
            stop('memory');
        })
        .catch(() => undefined);
    }, 100);
    worker.on('message', (message: PdfTextWorkerMessage) => {
      switch (message.type) {
        case 'opened':
          outcome.pageCount = message.pageCount;
          break;
        case 'page':
          outcome.pages.push(message.text);
          break;
        case 'done':
          outcome.finished = true;
          void worker.terminate();
          break;
        case 'failed':
          outcome.failure = { name: message.name, message: message.message };
          void worker.terminate();
          break;
      }
    });
    worker.on('error', (error: Error & { code?: string }) => {
      outcome.stopped ??= error.code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'memory' : 'crash';
    });
    worker.on('exit', () => {
      clearTimeout(deadline);
      clearInterval(memoryWatch);
      resolve(outcome);
    });
  });
}

/** The text of the PDF at `filePath` within `limits`, or why the file is refused. */
export async function extractPdfText(
  filePath: string,
  sizeBytes: number,
  limits: PdfLimits = defaultPdfLimits,
): Promise<PdfTextResult | RecordRefusal> {
  if (sizeBytes > limits.maxBytes)
    return refuseRecord(
      'file_too_large',
      `PDF files may be at most ${limits.maxBytes / (1024 * 1024)} MB.`,
    );
  const data = await readFilePrefix(filePath, limits.maxBytes);
  const bomb = await findCompressionBomb(data, limits);
  if (bomb !== null) return bomb;

  const outcome = await runTextWorker(data, limits);
  if (outcome.failure !== null && outcome.pageCount === null) {
    const condition = outcome.failure.name === 'PasswordException' ? 'encrypted' : 'corrupt';
    return {
      condition,
      text: null,
      pageCount: null,
      pagesRead: 0,
      warnings: [
        condition === 'encrypted'
          ? 'The PDF is protected by a password.'
          : `The PDF could not be opened (${outcome.failure.name}).`,
      ],
    };
  }
  const warnings: string[] = [];
  if (outcome.stopped === 'time')
    warnings.push(`Text extraction stopped after ${limits.timeoutMs / 1000} s.`);
  if (outcome.stopped === 'memory')
    warnings.push('Text extraction stopped: it needed more memory than allowed.');
  if (outcome.stopped === 'crash') warnings.push('Text extraction failed unexpectedly.');
  if (outcome.failure !== null)
    warnings.push(`Text extraction stopped at a damaged page (${outcome.failure.name}).`);
  if (outcome.pageCount !== null && outcome.pageCount > limits.maxPages)
    warnings.push(`Only the first ${limits.maxPages} of ${outcome.pageCount} pages were read.`);
  let text = outcome.pages.join('\n\f');
  if (text.length > limits.maxCharacters) {
    text = text.slice(0, limits.maxCharacters);
    warnings.push(`The text was cut at ${limits.maxCharacters} characters.`);
  }
  return {
    condition: 'ready',
    text: text.trim() === '' ? null : text,
    pageCount: outcome.pageCount,
    pagesRead: outcome.pages.length,
    warnings,
  };
}
