import { describe, expect, it } from 'vitest';
import { filesFromDrop, relativePathOf, skipReasonFor, sortPickedFiles } from './dropped-files.ts';

describe('skipReasonFor', () => {
  it('sets aside operating-system clutter, wherever it sits', () => {
    expect(skipReasonFor('CD/.DS_Store')).toBe('system_file');
    expect(skipReasonFor('Thumbs.db')).toBe('system_file');
    expect(skipReasonFor('CD/__MACOSX/DICOM/IM0001')).toBe('system_file');
    expect(skipReasonFor('CD/DICOM/._IM0001')).toBe('system_file');
  });

  it('sets aside the viewer programs imaging discs carry', () => {
    expect(skipReasonFor('CD/AUTORUN.INF')).toBe('program_file');
    expect(skipReasonFor('CD/Viewer/viewer.EXE')).toBe('program_file');
    expect(skipReasonFor('CD/Viewer/index.html')).toBe('program_file');
  });

  it('sends records, including DICOM files without an extension and DICOMDIR', () => {
    for (const path of [
      'CD/DICOM/ST000000/SE000001/IM000001',
      'CD/DICOMDIR',
      'report.pdf',
      'summary.xml',
      'bundle.json',
      'photo.HEIC',
    ]) {
      expect(skipReasonFor(path)).toBeNull();
    }
  });
});

describe('relativePathOf', () => {
  it('drops the leading slash of an entry path and keeps folders', () => {
    expect(relativePathOf('/CD/DICOM/IM0001')).toBe('CD/DICOM/IM0001');
    expect(relativePathOf('CD/DICOM/IM0001')).toBe('CD/DICOM/IM0001');
  });

  it('is empty for a loose file', () => {
    expect(relativePathOf('/report.pdf')).toBe('');
    expect(relativePathOf('')).toBe('');
  });
});

describe('sortPickedFiles', () => {
  it('splits what is sent from what is set aside, naming the latter by path', () => {
    const file = (name: string) => new File(['x'], name);
    const { accepted, skipped } = sortPickedFiles([
      { file: file('IM0001'), relativePath: 'CD/DICOM/IM0001' },
      { file: file('.DS_Store'), relativePath: 'CD/.DS_Store' },
      { file: file('report.pdf'), relativePath: '' },
      { file: file('setup.exe'), relativePath: 'CD/setup.exe' },
    ]);
    expect(accepted.map((picked) => picked.file.name)).toEqual(['IM0001', 'report.pdf']);
    expect(skipped).toEqual([
      { path: 'CD/.DS_Store', reason: 'system_file' },
      { path: 'CD/setup.exe', reason: 'program_file' },
    ]);
  });
});

/** A folder tree shaped like the browser's FileSystemEntry objects for a drop. */
function fakeEntry(fullPath: string, children?: FileSystemEntry[]): FileSystemEntry {
  const name = fullPath.split('/').at(-1) ?? '';
  if (children === undefined) {
    return {
      isFile: true,
      isDirectory: false,
      name,
      fullPath,
      file: (resolve: (file: File) => void) => resolve(new File(['x'], name)),
    } as unknown as FileSystemEntry;
  }
  return {
    isFile: false,
    isDirectory: true,
    name,
    fullPath,
    createReader: () => {
      let offset = 0;
      // Browsers answer readEntries in batches (about 100); an empty batch means the end.
      return {
        readEntries: (resolve: (entries: FileSystemEntry[]) => void) => {
          const batch = children.slice(offset, offset + 100);
          offset += batch.length;
          resolve(batch);
        },
      };
    },
  } as unknown as FileSystemEntry;
}

describe('filesFromDrop', () => {
  it('walks dropped folders to the bottom, past the browser batch size, skipping clutter folders', async () => {
    const images = Array.from({ length: 250 }, (_, index) =>
      fakeEntry(`/CD/DICOM/IM${String(index).padStart(4, '0')}`),
    );
    const drop = {
      entries: [
        fakeEntry('/CD', [
          fakeEntry('/CD/DICOM', images),
          fakeEntry('/CD/__MACOSX', [fakeEntry('/CD/__MACOSX/._IM0001')]),
        ]),
        fakeEntry('/report.pdf'),
      ],
      files: [],
    };
    const found = await filesFromDrop(drop);
    expect(found).toHaveLength(251);
    expect(found[0]).toMatchObject({ relativePath: 'CD/DICOM/IM0000' });
    expect(found.at(-1)).toMatchObject({ relativePath: '' });
    expect(found.at(-1)!.file.name).toBe('report.pdf');
  });

  it('falls back to the plain file list when the browser gives no entries', async () => {
    const found = await filesFromDrop({ entries: [], files: [new File(['x'], 'a.pdf')] });
    expect(found).toEqual([{ file: expect.any(File), relativePath: '' }]);
  });
});
