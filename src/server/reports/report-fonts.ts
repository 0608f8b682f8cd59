/**
 * The fonts of every PDF Consilium writes (the opinion report, the release-of-information form):
 * DejaVu Sans 2.37, regular, bold and mono, read once per process from the `dejavu-fonts-ttf`
 * package (Bitstream Vera licence; see docs/data-sources.md) and embedded as subsets, so accented
 * names and clinical signs print on any reader.
 */
import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';

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
