/**
 * Brute-force protection: temporary lockout after repeated failures (OWASP Authentication Cheat
 * Sheet, "Account lockout"). Failures are counted per account and kind (password, second factor)
 * within a sliding window; the lock lifts by itself.
 */

export interface LockoutPolicy {
  maxFailures: number;
  windowMinutes: number;
  lockMinutes: number;
}

export const defaultLockoutPolicy: LockoutPolicy = {
  maxFailures: 5,
  windowMinutes: 15,
  lockMinutes: 15,
};

export type LockoutState = { locked: false } | { locked: true; until: Date };

/**
 * Whether the account is locked at `now`, given the times of its recent failures
 * (any order). Locked when `maxFailures` failures fall within one window and the last of them
 * is less than `lockMinutes` ago.
 */
export function evaluateLockout(
  failures: readonly Date[],
  policy: LockoutPolicy,
  now: Date,
): LockoutState {
  const minute = 60_000;
  const times = failures
    .map((time) => time.getTime())
    .filter((time) => time <= now.getTime())
    .sort((a, b) => a - b);
  // The latest burst of `maxFailures` failures inside one window sets the lock; the lock lasts
  // `lockMinutes` from that burst's last failure, even after its first failure leaves the window.
  for (let lastIndex = times.length - 1; lastIndex >= policy.maxFailures - 1; lastIndex -= 1) {
    const last = times[lastIndex] ?? 0;
    const first = times[lastIndex - policy.maxFailures + 1] ?? 0;
    if (last - first < policy.windowMinutes * minute) {
      const until = new Date(last + policy.lockMinutes * minute);
      return until.getTime() > now.getTime() ? { locked: true, until } : { locked: false };
    }
  }
  return { locked: false };
}
