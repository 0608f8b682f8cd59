/**
 * The worker thread that reads a PDF's text (started by `pdf.ts`, never imported). It runs apart
 * from the server so the parent can bound it: a heap limit, a deadline after which it is
 * terminated, and a watch on its memory. It reports each page as soon as it is read, so what was
 * read before a limit struck is kept.
 *
 * Messages to the parent: `opened` (page count), `page` (number, text), `done`, or `failed`
 * (the PDF.js exception name: `PasswordException` for a password-protected file).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { getDocumentProxy } from 'unpdf';

export interface PdfTextWorkerInput {
  data: Uint8Array;
  maxPages: number;
  maxCharacters: number;
}

export type PdfTextWorkerMessage =
  | { type: 'opened'; pageCount: number }
  | { type: 'page'; pageNumber: number; text: string }
  | { type: 'done' }
  | { type: 'failed'; name: string; message: string };

function post(message: PdfTextWorkerMessage) {
  parentPort?.postMessage(message);
}

interface TextItemLike {
  str?: unknown;
  hasEOL?: unknown;
}

async function run(input: PdfTextWorkerInput) {
  const document = await getDocumentProxy(input.data, {
    verbosity: 0,
    stopAtErrors: false,
  });
  post({ type: 'opened', pageCount: document.numPages });
  let characters = 0;
  const pages = Math.min(document.numPages, input.maxPages);
  for (
    let pageNumber = 1;
    pageNumber <= pages && characters < input.maxCharacters;
    pageNumber += 1
  ) {
    const page = await document.getPage(pageNumber);
    const content = await page.getTextContent();
    const text = (content.items as TextItemLike[])
      .map(
        (item) =>
          (typeof item.str === 'string' ? item.str : '') + (item.hasEOL === true ? '\n' : ''),
      )
      .join('');
    characters += text.length;
    post({ type: 'page', pageNumber, text });
    page.cleanup();
  }
  post({ type: 'done' });
  await document.loadingTask.destroy();
}

run(workerData as PdfTextWorkerInput).catch((error: unknown) => {
  const name = error instanceof Error ? error.name : 'Error';
  const message = error instanceof Error ? error.message : String(error);
  post({ type: 'failed', name, message });
});
