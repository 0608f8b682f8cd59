import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createBatcher, createReadSharing, deepFreeze, perOwner } from './batching.ts';

/** A promise settled from outside, to hold a flush or a read open. */
function gate<T = void>() {
  let open!: (value: T) => void;
  let fail!: (error: unknown) => void;
  const promise = new Promise<T>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  return { promise, open, fail };
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('createBatcher', () => {
  it('flushes a lone item at once, then gathers those arriving during a flush into the next', async () => {
    const flushes: number[][] = [];
    const gates = [gate(), gate()];
    const double = createBatcher<number, number>(
      async (items) => {
        flushes.push(items);
        await gates[flushes.length - 1]!.promise;
        return items.map((item) => item * 2);
      },
      { maxBatch: 10 },
    );
    const first = double(1);
    await settle();
    expect(flushes).toEqual([[1]]);
    const later = [double(2), double(3), double(4)];
    await settle();
    expect(flushes).toEqual([[1]]);
    gates[0]!.open();
    expect(await first).toBe(2);
    await settle();
    expect(flushes).toEqual([[1], [2, 3, 4]]);
    gates[1]!.open();
    expect(await Promise.all(later)).toEqual([4, 6, 8]);
  });

  it('never puts more than maxBatch items in one flush', async () => {
    const sizes: number[] = [];
    const hold = gate();
    const echo = createBatcher<number, number>(
      async (items) => {
        sizes.push(items.length);
        if (sizes.length === 1) await hold.promise;
        return items;
      },
      { maxBatch: 3 },
    );
    const all = [echo(0), ...Array.from({ length: 8 }, (_, index) => echo(index + 1))];
    await settle();
    hold.open();
    expect(await Promise.all(all)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(sizes).toEqual([1, 3, 3, 2]);
  });

  it('fails every item of a failed flush, and goes on with the next one', async () => {
    let calls = 0;
    const hold = gate();
    const flaky = createBatcher<string, string>(
      async (items) => {
        calls += 1;
        if (calls === 1) await hold.promise;
        if (calls === 2) throw new Error('database gone');
        return items.map((item) => item.toUpperCase());
      },
      { maxBatch: 10 },
    );
    const first = flaky('a');
    await settle();
    const failing = [flaky('b'), flaky('c')];
    hold.open();
    await first;
    await expect(failing[0]).rejects.toThrow('database gone');
    await expect(failing[1]).rejects.toThrow('database gone');
    expect(await flaky('d')).toBe('D');
  });

  it('refuses a flush that answers the wrong number of outcomes', async () => {
    const broken = createBatcher<number, number>(async () => [], { maxBatch: 10 });
    await expect(broken(1)).rejects.toThrow('a batch of 1 answered 0 outcomes');
  });

  it('answers each item with its own outcome, whatever the arrivals (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer(), { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 1, max: 7 }),
        async (items, maxBatch) => {
          const seen: number[] = [];
          const negate = createBatcher<number, number>(
            async (batch) => {
              expect(batch.length).toBeLessThanOrEqual(maxBatch);
              seen.push(...batch);
              await settle();
              return batch.map((item) => -item);
            },
            { maxBatch },
          );
          const answers = await Promise.all(items.map((item) => negate(item)));
          expect(answers).toEqual(items.map((item) => -item));
          expect(seen).toEqual(items);
        },
      ),
      { numRuns: 50 },
    );
  });
});

describe('createReadSharing', () => {
  it('runs a read at once when none is running, and shares the next one among those who asked meanwhile', async () => {
    const share = createReadSharing();
    const reads: ReturnType<typeof gate<{ n: number }>>[] = [];
    const read = () => {
      const pending = gate<{ n: number }>();
      reads.push(pending);
      return pending.promise;
    };
    const first = share('page', read);
    expect(reads).toHaveLength(1);
    // These ask while the first read runs: they must not get its result, read before they asked.
    const second = share('page', read);
    const third = share('page', read);
    expect(reads).toHaveLength(1);
    reads[0]!.open({ n: 1 });
    expect(await first).toEqual({ n: 1 });
    await settle();
    expect(reads).toHaveLength(2);
    reads[1]!.open({ n: 2 });
    const [secondValue, thirdValue] = await Promise.all([second, third]);
    expect(secondValue).toEqual({ n: 2 });
    expect(thirdValue).toBe(secondValue);
    // Nothing running any more: the next caller reads afresh.
    const fourth = share('page', read);
    expect(reads).toHaveLength(3);
    reads[2]!.open({ n: 3 });
    expect(await fourth).toEqual({ n: 3 });
  });

  it('keeps different keys apart', async () => {
    const share = createReadSharing();
    let runs = 0;
    const read = (value: string) => async () => {
      runs += 1;
      await settle();
      return { value };
    };
    const [a, b] = await Promise.all([share('a', read('A')), share('b', read('B'))]);
    expect(a).toEqual({ value: 'A' });
    expect(b).toEqual({ value: 'B' });
    expect(runs).toBe(2);
  });

  it('freezes what it shares, so that no caller can change what another gets', async () => {
    const share = createReadSharing();
    const value = await share('k', async () => ({ list: [{ id: 1 }] }));
    expect(Object.isFrozen(value)).toBe(true);
    expect(Object.isFrozen(value.list[0])).toBe(true);
    expect(() => {
      (value.list as { id: number }[]).push({ id: 2 });
    }).toThrow(TypeError);
  });

  it('gives a failed read to all who shared it, and reads again for the next caller', async () => {
    const share = createReadSharing();
    const hold = gate<never>();
    const failing = share('k', () => hold.promise);
    const alsoFailing = share('k', async () => {
      throw new Error('statement timeout');
    });
    hold.fail(new Error('connection reset'));
    await expect(failing).rejects.toThrow('connection reset');
    await expect(alsoFailing).rejects.toThrow('statement timeout');
    expect(await share('k', async () => ({ ok: true }))).toEqual({ ok: true });
  });
});

describe('perOwner and deepFreeze', () => {
  it('creates one instance per owner', () => {
    let created = 0;
    const instanceFor = perOwner((owner: { name: string }) => {
      created += 1;
      return { owner: owner.name };
    });
    const a = { name: 'a' };
    expect(instanceFor(a)).toBe(instanceFor(a));
    expect(instanceFor({ name: 'b' })).not.toBe(instanceFor(a));
    expect(created).toBe(2);
  });

  it('freezes nested objects and arrays, and leaves primitives alone', () => {
    const value = deepFreeze({ a: [1, { b: 'c' }], d: null });
    expect(Object.isFrozen(value.a)).toBe(true);
    expect(Object.isFrozen(value.a[1])).toBe(true);
    expect(deepFreeze(3)).toBe(3);
  });
});
