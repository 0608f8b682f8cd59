/**
 * Reading the parts of a stored record file the ingestion needs, without loading a large file
 * whole: its two ends for the content sniffer, a bounded prefix (a DICOM header), the whole file
 * when it is small enough to parse in memory, and its lines one at a time (NDJSON). Every reader
 * states its bound; none follows a path it was not given.
 */
import fs from 'node:fs/promises';
import {
  sniffHeadBytes,
  sniffTailBytes,
  type FileEnds,
} from '../../../core/records/content-sniffing.ts';

/** The first `sniffHeadBytes` and last `sniffTailBytes` of the file at `filePath`, and its size. */
export async function readFileEnds(filePath: string): Promise<FileEnds> {
  const handle = await fs.open(filePath, 'r');
  try {
    const { size } = await handle.stat();
    const headLength = Math.min(size, sniffHeadBytes);
    const head = new Uint8Array(headLength);
    await readFully(handle, head, 0);
    const tailLength = Math.min(size, sniffTailBytes);
    const tail = new Uint8Array(tailLength);
    await readFully(handle, tail, size - tailLength);
    return { head, tail, sizeBytes: size };
  } finally {
    await handle.close();
  }
}

/** The first `maxBytes` bytes of the file (all of it when it is smaller). */
export async function readFilePrefix(filePath: string, maxBytes: number): Promise<Uint8Array> {
  const handle = await fs.open(filePath, 'r');
  try {
    const { size } = await handle.stat();
    const bytes = new Uint8Array(Math.min(size, maxBytes));
    await readFully(handle, bytes, 0);
    return bytes;
  } finally {
    await handle.close();
  }
}

async function readFully(handle: fs.FileHandle, into: Uint8Array, position: number): Promise<void> {
  let offset = 0;
  while (offset < into.length) {
    const { bytesRead } = await handle.read(into, offset, into.length - offset, position + offset);
    if (bytesRead === 0) throw new Error('the file became shorter while it was read');
    offset += bytesRead;
  }
}

/** Thrown by `readLines` when a line is longer than allowed. */
export class LineTooLongError extends Error {}

/**
 * The lines of a file (without their line ends), read in chunks so a file of any size streams
 * through; a line longer than `maxLineBytes` ends the reading with `LineTooLongError`.
 */
export async function* readLines(
  filePath: string,
  maxLineBytes: number,
): AsyncGenerator<Uint8Array> {
  const handle = await fs.open(filePath, 'r');
  try {
    let pending: Uint8Array[] = [];
    let pendingLength = 0;
    const chunk = new Uint8Array(1024 * 1024);
    for (;;) {
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      let start = 0;
      for (let index = 0; index < bytesRead; index += 1) {
        if (chunk[index] !== 0x0a) continue;
        const piece = chunk.slice(start, index);
        if (pendingLength + piece.length > maxLineBytes)
          throw new LineTooLongError(`a line is longer than ${maxLineBytes} bytes`);
        yield joinLine(pending, pendingLength, piece);
        pending = [];
        pendingLength = 0;
        start = index + 1;
      }
      if (start < bytesRead) {
        const rest = chunk.slice(start, bytesRead);
        pending.push(rest);
        pendingLength += rest.length;
        if (pendingLength > maxLineBytes)
          throw new LineTooLongError(`a line is longer than ${maxLineBytes} bytes`);
      }
    }
    if (pendingLength > 0) yield joinLine(pending, pendingLength, new Uint8Array(0));
  } finally {
    await handle.close();
  }
}

function joinLine(pending: Uint8Array[], pendingLength: number, last: Uint8Array): Uint8Array {
  const line = new Uint8Array(pendingLength + last.length);
  let offset = 0;
  for (const part of pending) {
    line.set(part, offset);
    offset += part.length;
  }
  line.set(last, offset);
  // A CR before the LF belongs to the line end.
  return line.length > 0 && line[line.length - 1] === 0x0d
    ? line.subarray(0, line.length - 1)
    : line;
}
