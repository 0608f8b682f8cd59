/**
 * Per-client-address throttling of the authentication endpoints (sign-in, second factor,
 * sign-up, password reset), on top of the per-account lockout: a fixed one-minute window per
 * address, kept in this process. Behind several instances, each counts its own share; a reverse
 * proxy can add a global limit.
 */
import { AppError } from '../../core/errors.ts';
import type { Clock } from '../platform/clock.ts';

export const throttledPaths = [
  '/api/v1/auth/sign-in',
  '/api/v1/auth/sign-up',
  '/api/v1/auth/mfa/totp',
  '/api/v1/auth/mfa/recovery-code',
  '/api/v1/auth/passkeys/authenticate',
  '/api/v1/auth/password-reset/request',
  '/api/v1/auth/password-reset/complete',
  '/api/v1/auth/reauthenticate',
];

export interface AuthThrottle {
  /** Count one attempt from `address`; throws `rate_limited` (429, Retry-After) past the limit. */
  hit(address: string): void;
}

export function createAuthThrottle(limitPerMinute: number, clock: Clock): AuthThrottle {
  const windows = new Map<string, { start: number; count: number }>();
  return {
    hit(address) {
      const now = clock.now().getTime();
      const window = windows.get(address);
      if (window === undefined || now - window.start >= 60_000) {
        if (windows.size > 10_000) windows.clear();
        windows.set(address, { start: now, count: 1 });
        return;
      }
      window.count += 1;
      if (window.count > limitPerMinute) {
        const seconds = Math.max(1, Math.ceil((window.start + 60_000 - now) / 1000));
        throw new AppError('rate_limited', {
          headers: { 'retry-after': String(seconds) },
          details: { retryAfterSeconds: seconds },
        });
      }
    },
  };
}
