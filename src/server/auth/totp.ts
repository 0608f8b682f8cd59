/**
 * Time-based one-time passwords (RFC 6238: SHA-1, 6 digits, 30-second steps), accepting one step
 * of clock drift either way and refusing a code whose step was already used (replay).
 */
import { Secret, TOTP } from 'otpauth';

const period = 30;

export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

function totpFor(secretBase32: string, label: string): TOTP {
  return new TOTP({
    issuer: 'Consilium',
    label,
    algorithm: 'SHA1',
    digits: 6,
    period,
    secret: Secret.fromBase32(secretBase32),
  });
}

export function totpUri(secretBase32: string, label: string): string {
  return totpFor(secretBase32, label).toString();
}

/** The code for `at` (tests and the demo use it). */
export function totpCodeAt(secretBase32: string, at: Date): string {
  return totpFor(secretBase32, 'code').generate({ timestamp: at.getTime() });
}

/**
 * The time step a valid code belongs to, or null when the code is wrong or its step is not
 * later than `lastUsedStep`.
 */
export function matchTotpCode(
  secretBase32: string,
  code: string,
  now: Date,
  lastUsedStep: number | null,
): number | null {
  const normalised = code.replace(/\s+/g, '');
  if (!/^\d{6}$/.test(normalised)) return null;
  const delta = totpFor(secretBase32, 'code').validate({
    token: normalised,
    timestamp: now.getTime(),
    window: 1,
  });
  if (delta === null) return null;
  const step = Math.floor(now.getTime() / 1000 / period) + delta;
  if (lastUsedStep !== null && step <= lastUsedStep) return null;
  return step;
}
