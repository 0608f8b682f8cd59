/**
 * Two ways of doing less work per request when many requests arrive together, without changing
 * what any one of them gets.
 *
 * `createBatcher`: items (an audit event to write, a session to look up) are handed to `flush`
 * together. While a flush is running, new items gather for the next one, which starts as soon as
 * it ends ("natural batching", as a database's group commit does): a lone item goes at once, so
 * nothing waits on a timer, and under load one statement serves many requests. Each caller gets
 * its own item's outcome; if a flush fails, every item in it fails with that error.
 *
 * `createReadSharing`: identical reads (same key) that overlap share one execution. A caller never
 * gets a result read before it asked: while a read for its key is running, it waits for the next
 * one, which starts when the running one ends and serves everyone who asked in between. The
 * result is shared as is, so it must be treated as read-only (it is frozen).
 */

interface Pending<I, O> {
  item: I;
  resolve: (value: O) => void;
  reject: (error: unknown) => void;
}

export interface BatcherOptions {
  /** Items per flush at most; more wait for the next flush. */
  maxBatch: number;
}

/**
 * `flush` receives the items in arrival order and answers one outcome per item, in the same order.
 */
export function createBatcher<I, O>(
  flush: (items: I[]) => Promise<O[]>,
  options: BatcherOptions,
): (item: I) => Promise<O> {
  let queue: Pending<I, O>[] = [];
  let flushing = false;

  const drain = async (): Promise<void> => {
    flushing = true;
    while (queue.length > 0) {
      const batch = queue.slice(0, options.maxBatch);
      queue = queue.slice(batch.length);
      try {
        const outcomes = await flush(batch.map((pending) => pending.item));
        if (outcomes.length !== batch.length)
          throw new Error(`a batch of ${batch.length} answered ${outcomes.length} outcomes`);
        batch.forEach((pending, index) => pending.resolve(outcomes[index]!));
      } catch (error) {
        for (const pending of batch) pending.reject(error);
      }
    }
    flushing = false;
  };

  return (item) =>
    new Promise<O>((resolve, reject) => {
      queue.push({ item, resolve, reject });
      if (!flushing) void drain();
    });
}

/**
 * One instance per owner (a batcher per database pool, say), created on first use and dropped
 * with its owner.
 */
export function perOwner<K extends object, V>(create: (owner: K) => V): (owner: K) => V {
  const instances = new WeakMap<K, V>();
  return (owner) => {
    let instance = instances.get(owner);
    if (instance === undefined) {
      instance = create(owner);
      instances.set(owner, instance);
    }
    return instance;
  };
}

/** Freeze a value and everything it holds, so that a shared result cannot be changed by one user. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const member of Object.values(value)) deepFreeze(member);
  }
  return value;
}

interface Waiting {
  read: () => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

interface SharedRead {
  /** Callers waiting for the read that starts after the running one. */
  next: Waiting[] | null;
}

export type ReadSharing = <T>(key: string, read: () => Promise<T>) => Promise<T>;

export function createReadSharing(): ReadSharing {
  const running = new Map<string, SharedRead>();

  /** Runs the first waiter's read (any would do: same key, same read) for all of them. */
  const start = (key: string, waiting: Waiting[]) => {
    const entry: SharedRead = { next: null };
    running.set(key, entry);
    waiting[0]!
      .read()
      .then(deepFreeze)
      .then(
        (value) => {
          for (const pending of waiting) pending.resolve(value);
        },
        (error: unknown) => {
          for (const pending of waiting) pending.reject(error);
        },
      )
      .finally(() => {
        if (entry.next === null) running.delete(key);
        else start(key, entry.next);
      });
  };

  return <T>(key: string, read: () => Promise<T>) =>
    new Promise<T>((resolve, reject) => {
      const pending: Waiting = { read, resolve: resolve as (value: unknown) => void, reject };
      const entry = running.get(key);
      if (entry === undefined) start(key, [pending]);
      else (entry.next ??= []).push(pending);
    });
}
