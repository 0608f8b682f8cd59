/**
 * Turns what a person drops or picks into the list of files to upload: loose files, whole
 * folders (a DICOM CD copied to disk can hold hundreds of files in nested folders), each with its
 * path inside the folder. Files that are not records are set aside before a byte is sent:
 * operating-system clutter (`.DS_Store`, `Thumbs.db`, `__MACOSX/`, AppleDouble `._*` files) and
 * the viewer programs that imaging CDs carry (`.exe`, `.dll`, autorun files). Everything else is
 * sent; the server decides by content what it takes.
 */
import type { RecordUploadSource } from './tus-upload.ts';

/** Why a file was set aside. */
export type SkipReason = 'system_file' | 'program_file';

export interface SkippedFile {
  path: string;
  reason: SkipReason;
}

const systemFileNames = new Set([
  '.ds_store',
  'thumbs.db',
  'desktop.ini',
  'ehthumbs.db',
  '.localized',
]);
const systemFolderNames = new Set(['__macosx', '.spotlight-v100', '.trashes', '.fseventsd']);
/** Programs and their support files on imaging CDs; never medical records. */
const programExtensions = new Set([
  'exe',
  'dll',
  'msi',
  'bat',
  'cmd',
  'com',
  'sys',
  'inf',
  'ocx',
  'cab',
  'lnk',
  'jar',
  'so',
  'dylib',
  'app',
  'js',
  'htm',
  'html',
  'css',
  'svg',
]);

/** Why `path` (a file's path inside its folder, or its name) is set aside, or null to send it. */
export function skipReasonFor(path: string): SkipReason | null {
  const segments = path.split('/').filter((segment) => segment !== '');
  const name = (segments.at(-1) ?? '').toLowerCase();
  if (segments.slice(0, -1).some((folder) => systemFolderNames.has(folder.toLowerCase()))) {
    return 'system_file';
  }
  if (systemFileNames.has(name) || name.startsWith('._')) return 'system_file';
  if (name === 'autorun.inf') return 'program_file';
  const dot = name.lastIndexOf('.');
  if (dot > 0 && programExtensions.has(name.slice(dot + 1))) return 'program_file';
  return null;
}

/** Splits picked files into those to send and those set aside. */
export function sortPickedFiles(files: RecordUploadSource[]): {
  accepted: RecordUploadSource[];
  skipped: SkippedFile[];
} {
  const accepted: RecordUploadSource[] = [];
  const skipped: SkippedFile[] = [];
  for (const picked of files) {
    const path = picked.relativePath === '' ? picked.file.name : picked.relativePath;
    const reason = skipReasonFor(path);
    if (reason === null) accepted.push(picked);
    else skipped.push({ path, reason });
  }
  return { accepted, skipped };
}

/**
 * A path as the server is told it: slash-separated, no leading slash, and empty for a loose file
 * (one not inside a dropped or picked folder).
 */
export function relativePathOf(fullPath: string): string {
  const trimmed = fullPath.replace(/^\/+/, '');
  return trimmed.includes('/') ? trimmed : '';
}

/** Files from an `<input type="file">` (with or without `webkitdirectory`). */
export function filesFromInput(list: FileList | null): RecordUploadSource[] {
  if (list === null) return [];
  return Array.from(list, (file) => ({
    file,
    relativePath: relativePathOf(file.webkitRelativePath),
  }));
}

function fileOf(entry: FileSystemFileEntry): Promise<File> {
  return new Promise((resolve, reject) => entry.file(resolve, reject));
}

/** All entries of a folder: `readEntries` answers in batches (about 100) until it answers none. */
async function entriesOf(directory: FileSystemDirectoryEntry): Promise<FileSystemEntry[]> {
  const reader = directory.createReader();
  const all: FileSystemEntry[] = [];
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) =>
      reader.readEntries(resolve, reject),
    );
    if (batch.length === 0) return all;
    all.push(...batch);
  }
}

function isFileEntry(entry: FileSystemEntry): entry is FileSystemFileEntry {
  return entry.isFile;
}

function isDirectoryEntry(entry: FileSystemEntry): entry is FileSystemDirectoryEntry {
  return entry.isDirectory;
}

async function collect(entry: FileSystemEntry, into: RecordUploadSource[]): Promise<void> {
  if (isFileEntry(entry)) {
    try {
      into.push({ file: await fileOf(entry), relativePath: relativePathOf(entry.fullPath) });
    } catch {
      // A file that vanished or cannot be read is left out, as the picker would.
    }
  } else if (isDirectoryEntry(entry)) {
    // Skip clutter folders without walking them.
    if (systemFolderNames.has(entry.name.toLowerCase())) return;
    for (const child of await entriesOf(entry)) await collect(child, into);
  }
}

/**
 * The entries of a drop. Must be called inside the drop handler itself: a DataTransfer's items
 * are emptied once the event is over, so they are read here synchronously and walked later.
 */
export function entriesFromDrop(dataTransfer: DataTransfer): {
  entries: FileSystemEntry[];
  files: File[];
} {
  const entries: FileSystemEntry[] = [];
  for (const item of Array.from(dataTransfer.items)) {
    if (item.kind !== 'file') continue;
    const entry = typeof item.webkitGetAsEntry === 'function' ? item.webkitGetAsEntry() : null;
    if (entry !== null) entries.push(entry);
  }
  return { entries, files: Array.from(dataTransfer.files) };
}

/** Walks dropped folders recursively; falls back to the plain file list without entry support. */
export async function filesFromDrop(drop: {
  entries: FileSystemEntry[];
  files: File[];
}): Promise<RecordUploadSource[]> {
  if (drop.entries.length === 0) {
    return drop.files.map((file) => ({ file, relativePath: '' }));
  }
  const collected: RecordUploadSource[] = [];
  for (const entry of drop.entries) await collect(entry, collected);
  return collected;
}
