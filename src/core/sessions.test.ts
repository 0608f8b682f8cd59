/**
 * Session idle and absolute timeouts (OWASP Session Management Cheat Sheet) and the
 * re-authentication window.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  defaultSessionLimits,
  evaluateSession,
  isRecentlyReauthenticated,
  reauthenticationWindowMinutes,
  type SessionState,
} from './sessions.ts';

const minute = 60_000;
const start = new Date('2026-03-01T08:00:00Z').getTime();
const rank: Record<SessionState, number> = { active: 0, idle_expired: 1, absolute_expired: 2 };

const limitsArbitrary = fc.record({
  idleTimeoutMinutes: fc.integer({ min: 5, max: 720 }),
  absoluteLifetimeMinutes: fc.integer({ min: 30, max: 10_080 }),
});

describe('evaluateSession', () => {
  it('is active before either limit and idle-expired after the idle timeout', () => {
    const times = { createdAt: new Date(start), lastSeenAt: new Date(start + 10 * minute) };
    expect(evaluateSession(times, defaultSessionLimits, new Date(start + 39 * minute))).toBe(
      'active',
    );
    expect(evaluateSession(times, defaultSessionLimits, new Date(start + 40 * minute))).toBe(
      'idle_expired',
    );
  });

  it('expires at exactly the absolute lifetime even for a session seen a moment ago', () => {
    const now = new Date(start + 12 * 60 * minute);
    expect(
      evaluateSession(
        { createdAt: new Date(start), lastSeenAt: new Date(now.getTime() - 1) },
        defaultSessionLimits,
        now,
      ),
    ).toBe('absolute_expired');
    expect(
      evaluateSession(
        { createdAt: new Date(start), lastSeenAt: new Date(now.getTime() - 2) },
        defaultSessionLimits,
        new Date(now.getTime() - 1),
      ),
    ).toBe('active');
  });

  it('lets the absolute lifetime win over idleness', () => {
    fc.assert(
      fc.property(
        limitsArbitrary,
        fc.integer({ min: 0, max: 20_000 }),
        fc.integer({ min: 0, max: 20_000 }),
        (limits, seenAfter, elapsed) => {
          const times = {
            createdAt: new Date(start),
            lastSeenAt: new Date(start + seenAfter * minute),
          };
          const state = evaluateSession(times, limits, new Date(start + elapsed * minute));
          if (elapsed >= limits.absoluteLifetimeMinutes) expect(state).toBe('absolute_expired');
          else expect(state).not.toBe('absolute_expired');
        },
      ),
    );
  });

  it('only moves forward in time: active, then idle-expired, then absolute-expired', () => {
    fc.assert(
      fc.property(
        limitsArbitrary,
        fc.integer({ min: 0, max: 600 }),
        fc.integer({ min: 0, max: 20_000 }),
        fc.integer({ min: 0, max: 20_000 }),
        (limits, seenAfter, first, more) => {
          const times = {
            createdAt: new Date(start),
            lastSeenAt: new Date(start + seenAfter * minute),
          };
          const earlier = evaluateSession(
            times,
            limits,
            new Date(start + seenAfter * minute + first * 1000),
          );
          const later = evaluateSession(
            times,
            limits,
            new Date(start + seenAfter * minute + (first + more) * 1000),
          );
          expect(rank[later]).toBeGreaterThanOrEqual(rank[earlier]);
        },
      ),
    );
  });
});

describe('isRecentlyReauthenticated', () => {
  const at = new Date(start);
  it('covers the window after re-authenticating, and nothing before or after it', () => {
    expect(isRecentlyReauthenticated(null, at)).toBe(false);
    expect(isRecentlyReauthenticated(at, at)).toBe(true);
    expect(
      isRecentlyReauthenticated(at, new Date(start + reauthenticationWindowMinutes * minute - 1)),
    ).toBe(true);
    expect(
      isRecentlyReauthenticated(at, new Date(start + reauthenticationWindowMinutes * minute)),
    ).toBe(false);
    expect(isRecentlyReauthenticated(at, new Date(start - 1))).toBe(false);
  });
});
