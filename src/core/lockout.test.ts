/**
 * Account lockout after repeated failures (OWASP Authentication Cheat Sheet).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultLockoutPolicy, evaluateLockout } from './lockout.ts';

const minute = 60_000;
const now = new Date('2026-03-01T12:00:00Z');
const ago = (minutes: number) => new Date(now.getTime() - minutes * minute);

describe('evaluateLockout', () => {
  it('stays unlocked below the failure limit', () => {
    expect(evaluateLockout([ago(1), ago(2), ago(3), ago(4)], defaultLockoutPolicy, now)).toEqual({
      locked: false,
    });
  });

  it('locks at the limit until lockMinutes after the last failure', () => {
    const failures = [ago(5), ago(4), ago(3), ago(2), ago(1)];
    expect(evaluateLockout(failures, defaultLockoutPolicy, now)).toEqual({
      locked: true,
      until: new Date(ago(1).getTime() + 15 * minute),
    });
  });

  it('lifts by itself once lockMinutes have passed since the last failure', () => {
    const failures = [ago(5), ago(4), ago(3), ago(2), ago(1)];
    const later = new Date(ago(1).getTime() + 15 * minute);
    expect(evaluateLockout(failures, defaultLockoutPolicy, later)).toEqual({ locked: false });
    expect(evaluateLockout(failures, defaultLockoutPolicy, new Date(later.getTime() - 1))).toEqual({
      locked: true,
      until: later,
    });
  });

  it('ignores failures in the future and bursts wider than the window', () => {
    const failures = [ago(16), ago(20), ago(1), ago(2), new Date(now.getTime() + minute)];
    expect(evaluateLockout(failures, defaultLockoutPolicy, now)).toEqual({ locked: false });
  });

  it('does not depend on the order of the failures', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -5, max: 40 }), { maxLength: 12 }), (offsets) => {
        const failures = offsets.map(ago);
        const reversed = [...failures].reverse();
        const sorted = [...failures].sort((a, b) => a.getTime() - b.getTime());
        const expected = evaluateLockout(failures, defaultLockoutPolicy, now);
        expect(evaluateLockout(reversed, defaultLockoutPolicy, now)).toEqual(expected);
        expect(evaluateLockout(sorted, defaultLockoutPolicy, now)).toEqual(expected);
      }),
    );
  });

  it('never locks beyond lockMinutes after now, and one more failure never unlocks', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 30 }), { maxLength: 12 }),
        fc.integer({ min: 0, max: 14 }),
        (offsets, extra) => {
          const failures = offsets.map(ago);
          const state = evaluateLockout(failures, defaultLockoutPolicy, now);
          if (state.locked)
            expect(state.until.getTime()).toBeLessThanOrEqual(now.getTime() + 15 * minute);
          const more = evaluateLockout([...failures, ago(extra)], defaultLockoutPolicy, now);
          if (state.locked) expect(more.locked).toBe(true);
        },
      ),
    );
  });
});

describe('evaluateLockout, failures spread over the window', () => {
  it('keeps the lock for lockMinutes after the last failure even when the first leaves the window', () => {
    // Five failures spread over 14 minutes: locked at the fifth, and still locked 5 minutes later
    // although the first failure is then older than the window.
    const failures = [ago(14), ago(10), ago(6), ago(3), ago(0)];
    const state = evaluateLockout(failures, defaultLockoutPolicy, now);
    expect(state).toEqual({ locked: true, until: new Date(now.getTime() + 15 * minute) });
    expect(
      evaluateLockout(failures, defaultLockoutPolicy, new Date(now.getTime() + 5 * minute)),
    ).toEqual(state);
    expect(
      evaluateLockout(failures, defaultLockoutPolicy, new Date(now.getTime() + 15 * minute)),
    ).toEqual({ locked: false });
  });

  it('does not lock for failures that never fell within one window', () => {
    expect(
      evaluateLockout([ago(60), ago(45), ago(30), ago(15), ago(0)], defaultLockoutPolicy, now),
    ).toEqual({ locked: false });
  });
});
