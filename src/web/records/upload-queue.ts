/**
 * The uploader's state outside React: every file chosen in this visit, a few sent at a time, each
 * with its own progress, pause, resume, cancel and retry, grouped in batches (one per drop or
 * pick) so the case page hears once when a batch is over. A DICOM folder can hold hundreds of
 * files, so progress is gathered here and published at most every `publishEveryMs`: the view
 * renders a few times a second, not once per chunk per file.
 *
 * The transport is injected (`createUpload`), so the rules here run without a browser or server.
 */
import { ApiError } from '../api/api-error.ts';
import type { RecordUploadHandle, RecordUploadOptions, RecordUploadSource } from './tus-upload.ts';

export type UploadItemState =
  'queued' | 'uploading' | 'paused' | 'waiting_for_network' | 'done' | 'failed' | 'cancelled';

/** Immutable: a changed item is a new object, so unchanged rows need not render again. */
export interface UploadItem {
  id: string;
  batchId: string;
  name: string;
  /** Path inside a dropped folder ('' for a loose file). */
  relativePath: string;
  size: number;
  sent: number;
  state: UploadItemState;
  error: ApiError | null;
  /** It continues an upload begun earlier. */
  resumed: boolean;
}

export interface UploadTotals {
  files: number;
  done: number;
  failed: number;
  cancelled: number;
  /** Files still to finish: queued, sending, paused or waiting for the network. */
  remaining: number;
  bytesTotal: number;
  bytesSent: number;
}

export interface UploadSnapshot {
  items: readonly UploadItem[];
  totals: UploadTotals;
  /** Whether anything is being sent or waits its turn. */
  active: boolean;
}

export interface UploadQueueOptions {
  caseId: string;
  /** Files sent at the same time. */
  concurrency: number;
  createUpload: (options: RecordUploadOptions) => RecordUploadHandle;
  publishEveryMs?: number;
  newBatchId: () => string;
}

/** What the view hears besides the snapshot. */
export interface UploadQueueEvents {
  /** A batch has no file left to finish; `uploaded` counts the files sent since it last said so. */
  onBatchFinished?: (batch: { batchId: string; uploaded: number; failed: number }) => void;
  /** A file failed for good (for an announcement). */
  onItemFailed?: (item: UploadItem) => void;
}

const unfinishedStates: ReadonlySet<UploadItemState> = new Set([
  'queued',
  'uploading',
  'paused',
  'waiting_for_network',
]);

/** Codes a later attempt can overcome (the connection, the session, the case's stage). */
const retryableCodes = new Set([
  'network_error',
  'upload_failed',
  'case_not_accepting_documents',
  'csrf_failed',
  'unauthenticated',
  'session_expired',
]);

/** Whether sending the file again can succeed: not when the file itself was refused. */
export function isRetryable(error: ApiError | null): boolean {
  if (error === null) return true;
  return error.status === 0 || error.status >= 500 || retryableCodes.has(error.code);
}

export class UploadQueue {
  readonly #options: UploadQueueOptions;
  #events: UploadQueueEvents = {};
  readonly #items = new Map<string, UploadItem>();
  readonly #order: string[] = [];
  readonly #files = new Map<string, File>();
  readonly #handles = new Map<string, RecordUploadHandle>();
  /** Bytes the server confirmed per file: what a paused file really has on the server. */
  readonly #accepted = new Map<string, number>();
  /** Files sent per batch that the case page has already been told about. */
  readonly #reported = new Map<string, number>();
  readonly #listeners = new Set<() => void>();
  #snapshot: UploadSnapshot;
  #publishTimer: ReturnType<typeof setTimeout> | null = null;
  #nextId = 0;
  #stopped = false;
  /** Set while pausing or cancelling everything, so no queued file starts in between. */
  #holding = false;

  constructor(options: UploadQueueOptions) {
    this.#options = options;
    this.#snapshot = this.#buildSnapshot();
  }

  /** Replaces the event handlers (the view sets them, with its current language and callbacks). */
  setEvents(events: UploadQueueEvents): void {
    this.#events = events;
  }

  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  getSnapshot = (): UploadSnapshot => this.#snapshot;

  /** Queues the files of one drop or pick; returns the batch id. */
  add(files: RecordUploadSource[], refuse: (file: File) => ApiError | null = () => null): string {
    const batchId = this.#options.newBatchId();
    for (const { file, relativePath } of files) {
      this.#nextId += 1;
      const id = `u${String(this.#nextId)}`;
      const problem = refuse(file);
      const item: UploadItem = {
        id,
        batchId,
        name: file.name,
        relativePath,
        size: file.size,
        sent: 0,
        state: problem === null ? 'queued' : 'failed',
        error: problem,
        resumed: false,
      };
      this.#items.set(id, item);
      this.#order.push(id);
      this.#files.set(id, file);
    }
    this.#pump();
    this.#checkBatch(batchId);
    this.#publish(true);
    return batchId;
  }

  pause(id: string): void {
    const item = this.#items.get(id);
    if (item === undefined) return;
    if (item.state === 'queued') {
      this.#update(id, { state: 'paused' });
    } else if (item.state === 'uploading' || item.state === 'waiting_for_network') {
      this.#update(id, { state: 'paused', sent: this.#accepted.get(id) ?? 0 });
      void this.#handles.get(id)?.pause();
      this.#pump();
    }
    this.#publish(true);
  }

  resume(id: string): void {
    const item = this.#items.get(id);
    if (item?.state !== 'paused') return;
    this.#update(id, { state: 'queued' });
    this.#pump();
    this.#publish(true);
  }

  /** Sends a failed file again (a network failure, or after the case began taking documents). */
  retry(id: string): void {
    const item = this.#items.get(id);
    if (item?.state !== 'failed' || !this.#files.has(id) || !isRetryable(item.error)) return;
    this.#handles.delete(id);
    this.#update(id, { state: 'queued', error: null });
    this.#pump();
    this.#publish(true);
  }

  cancel(id: string): void {
    const item = this.#items.get(id);
    if (item === undefined || !unfinishedStates.has(item.state)) return;
    const handle = this.#handles.get(id);
    this.#handles.delete(id);
    this.#update(id, { state: 'cancelled' });
    if (handle !== undefined) void handle.cancel();
    this.#files.delete(id);
    this.#pump();
    this.#checkBatch(item.batchId);
    this.#publish(true);
  }

  pauseAll(): void {
    this.#holding = true;
    for (const id of this.#order) {
      const state = this.#items.get(id)?.state;
      if (state === 'queued' || state === 'uploading' || state === 'waiting_for_network') {
        this.pause(id);
      }
    }
    this.#holding = false;
  }

  resumeAll(): void {
    for (const id of this.#order) if (this.#items.get(id)?.state === 'paused') this.resume(id);
  }

  cancelAll(): void {
    this.#holding = true;
    for (const id of [...this.#order]) this.cancel(id);
    this.#holding = false;
  }

  /** Forgets finished rows (sent, cancelled, failed for good) from the list. */
  clearFinished(): void {
    for (let index = this.#order.length - 1; index >= 0; index -= 1) {
      const id = this.#order[index]!;
      const item = this.#items.get(id);
      if (item === undefined || unfinishedStates.has(item.state)) continue;
      this.#order.splice(index, 1);
      this.#items.delete(id);
      this.#files.delete(id);
      this.#handles.delete(id);
      this.#accepted.delete(id);
    }
    this.#publish(true);
  }

  /**
   * Stops sending without discarding anything on the server (the view is going away): files being
   * sent go back to the queue, and the stored upload URLs let the same files continue later, in
   * this visit (`start`) or a later one.
   */
  stop(): void {
    this.#stopped = true;
    if (this.#publishTimer !== null) clearTimeout(this.#publishTimer);
    this.#publishTimer = null;
    for (const [id, handle] of this.#handles) {
      void handle.pause();
      const state = this.#items.get(id)?.state;
      if (state === 'uploading' || state === 'waiting_for_network') {
        this.#update(id, { state: 'queued' });
      }
    }
  }

  /** Sends again what `stop` interrupted. */
  start(): void {
    this.#stopped = false;
    this.#pump();
    this.#publish(true);
  }

  #update(id: string, change: Partial<UploadItem>): UploadItem | undefined {
    const item = this.#items.get(id);
    if (item === undefined) return undefined;
    const next = { ...item, ...change };
    this.#items.set(id, next);
    return next;
  }

  #running(): number {
    let count = 0;
    for (const item of this.#items.values()) {
      if (item.state === 'uploading' || item.state === 'waiting_for_network') count += 1;
    }
    return count;
  }

  /** Starts queued files, oldest first, while fewer than `concurrency` are running. */
  #pump(): void {
    if (this.#stopped || this.#holding) return;
    let free = this.#options.concurrency - this.#running();
    for (const id of this.#order) {
      if (free <= 0) return;
      if (this.#items.get(id)?.state !== 'queued') continue;
      free -= 1;
      this.#startItem(id);
    }
  }

  #startItem(id: string): void {
    const item = this.#update(id, { state: 'uploading' });
    const file = this.#files.get(id);
    if (item === undefined || file === undefined) return;
    const existing = this.#handles.get(id);
    if (existing !== undefined) {
      existing.resume();
      return;
    }
    const isCurrent = () => this.#handles.get(id) === handle;
    const handle = this.#options.createUpload({
      caseId: this.#options.caseId,
      file,
      relativePath: item.relativePath,
      batchId: item.batchId,
      callbacks: {
        onProgress: (sent) => {
          const state = this.#items.get(id)?.state;
          if (!isCurrent() || (state !== 'uploading' && state !== 'waiting_for_network')) return;
          // Bytes flowing again after the network came back.
          this.#update(id, { sent: Math.min(sent, item.size), state: 'uploading' });
          this.#publish(false);
        },
        onAccepted: (accepted) => {
          if (isCurrent()) this.#accepted.set(id, accepted);
        },
        onSuccess: () => {
          if (!isCurrent()) return;
          this.#handles.delete(id);
          this.#files.delete(id);
          this.#update(id, { state: 'done', sent: item.size, error: null });
          this.#pump();
          this.#checkBatch(item.batchId);
          this.#publish(true);
        },
        onError: (error) => {
          if (!isCurrent()) return;
          this.#handles.delete(id);
          const failed = this.#update(id, { state: 'failed', error });
          if (failed !== undefined) this.#events.onItemFailed?.(failed);
          this.#pump();
          this.#checkBatch(item.batchId);
          this.#publish(true);
        },
        onWaitingForNetwork: () => {
          if (!isCurrent()) return;
          this.#update(id, { state: 'waiting_for_network' });
          this.#publish(true);
        },
        onResumed: () => {
          if (!isCurrent()) return;
          this.#update(id, { resumed: true });
          this.#publish(false);
        },
      },
    });
    this.#handles.set(id, handle);
    handle.start().catch((cause: unknown) => {
      if (!isCurrent()) return;
      this.#handles.delete(id);
      this.#update(id, {
        state: 'failed',
        error: new ApiError({
          status: 0,
          code: 'upload_failed',
          message: cause instanceof Error ? cause.message : 'Upload failed',
          cause,
        }),
      });
      this.#pump();
      this.#checkBatch(item.batchId);
      this.#publish(true);
    });
  }

  #checkBatch(batchId: string): void {
    let uploaded = 0;
    let failed = 0;
    for (const item of this.#items.values()) {
      if (item.batchId !== batchId) continue;
      if (unfinishedStates.has(item.state)) return;
      if (item.state === 'done') uploaded += 1;
      if (item.state === 'failed') failed += 1;
    }
    const already = this.#reported.get(batchId) ?? 0;
    this.#reported.set(batchId, uploaded);
    this.#events.onBatchFinished?.({ batchId, uploaded: uploaded - already, failed });
  }

  #buildSnapshot(): UploadSnapshot {
    const items = this.#order.map((id) => this.#items.get(id)!);
    const totals: UploadTotals = {
      files: items.length,
      done: 0,
      failed: 0,
      cancelled: 0,
      remaining: 0,
      bytesTotal: 0,
      bytesSent: 0,
    };
    for (const item of items) {
      if (item.state === 'cancelled') {
        totals.cancelled += 1;
        continue;
      }
      if (item.state === 'failed') {
        totals.failed += 1;
        continue;
      }
      totals.bytesTotal += item.size;
      totals.bytesSent += item.sent;
      if (item.state === 'done') totals.done += 1;
      else totals.remaining += 1;
    }
    const active = items.some(
      (item) =>
        item.state === 'queued' ||
        item.state === 'uploading' ||
        item.state === 'waiting_for_network',
    );
    return { items, totals, active };
  }

  /** Publishes now (a state change) or within `publishEveryMs` (progress). */
  #publish(now: boolean): void {
    if (this.#stopped) return;
    if (now) {
      if (this.#publishTimer !== null) clearTimeout(this.#publishTimer);
      this.#publishTimer = null;
      this.#emit();
      return;
    }
    this.#publishTimer ??= setTimeout(() => {
      this.#publishTimer = null;
      this.#emit();
    }, this.#options.publishEveryMs ?? 250);
  }

  #emit(): void {
    this.#snapshot = this.#buildSnapshot();
    for (const listener of this.#listeners) listener();
  }
}
