/**
 * The fonts and page set-up of every PDF Consilium writes (the opinion report, the
 * release-of-information form): DejaVu Sans 2.37, regular, bold and mono, read once per process
 * from the `dejavu-fonts-ttf` package (Bitstream Vera licence; see docs/data-sources.md) and
 * embedded as subsets, so accented names and clinical signs print on any reader; A4 pages with the
 * same margins, the document's metadata, and its bytes collected in memory.
 */
import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import PDFDocument from 'pdfkit';

/** Font aliases a document registers (`doc.registerFont(alias, buffer)`) and uses. */
export const reportFont = {
  regular: 'DejaVuSans',
  bold: 'DejaVuSans-Bold',
  mono: 'DejaVuSansMono',
} as const;

const fontFiles: Readonly<Record<string, string>> = {
  [reportFont.regular]: 'DejaVuSans.ttf',
  [reportFont.bold]: 'DejaVuSans-Bold.ttf',
  [reportFont.mono]: 'DejaVuSansMono.ttf',
};

let fontsLoading: Promise<ReadonlyMap<string, Buffer>> | undefined;

/** The TrueType files by alias, read once per process; a failed read is retried next time. */
export function loadReportFonts(): Promise<ReadonlyMap<string, Buffer>> {
  fontsLoading ??= (async () => {
    const require = createRequire(import.meta.url);
    const directory = path.join(
      path.dirname(require.resolve('dejavu-fonts-ttf/package.json')),
      'ttf',
    );
    const entries = await Promise.all(
      Object.entries(fontFiles).map(
        async ([name, file]) => [name, await fs.readFile(path.join(directory, file))] as const,
      ),
    );
    return new Map(entries);
  })();
  fontsLoading.catch(() => {
    fontsLoading = undefined;
  });
  return fontsLoading;
}

/** The page margins of every report, in points. */
export const reportMargin = { top: 64, bottom: 60, left: 50, right: 50 } as const;

export interface ReportDocumentInfo {
  title: string;
  author: string;
  subject?: string;
  /** BCP 47 language of the text. */
  language: string;
  /** Creation and modification date: a fixed date keeps the bytes reproducible. */
  created: Date;
}

/**
 * A report as PDF bytes: an A4 document with the fonts registered, the regular one selected and a
 * first page added, handed to `draw` (pages stay buffered for page furniture), then ended.
 */
export async function renderReportPdf(
  info: ReportDocumentInfo,
  draw: (doc: PDFKit.PDFDocument) => void,
): Promise<Buffer> {
  const fonts = await loadReportFonts();
  const doc = new PDFDocument({
    size: 'A4',
    margins: reportMargin,
    bufferPages: true,
    autoFirstPage: false,
    lang: info.language,
    displayTitle: true,
    info: {
      Title: info.title,
      Author: info.author,
      ...(info.subject === undefined ? {} : { Subject: info.subject }),
      Creator: 'Consilium',
      Producer: 'Consilium',
      CreationDate: info.created,
      ModDate: info.created,
    },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const finished = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  for (const [name, data] of fonts) doc.registerFont(name, data);
  doc.font(reportFont.regular);
  doc.addPage();
  draw(doc);
  doc.end();
  return finished;
}
