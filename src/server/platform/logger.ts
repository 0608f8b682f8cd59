/**
 * Structured logs (pino) with patient data and credentials redacted. Request logs carry the
 * method, a path with tokens masked, and the status; never bodies, cookies or query strings.
 */
import pino, { type Logger } from 'pino';

export const redactedPaths = [
  'req.headers.cookie',
  'req.headers.authorization',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.token',
  '*.code',
  '*.email',
  '*.name',
  '*.givenName',
  '*.familyName',
  '*.birthDate',
  '*.secret',
];

/** Strip the query string and mask path segments that are secrets (invitation tokens). */
export function maskUrl(url: string): string {
  const pathOnly = url.split('?')[0] ?? '';
  return pathOnly.replace(/(\/invitations\/)[^/]+/, '$1[token]');
}

export function createLogger(level: string): Logger {
  return pino({
    level,
    redact: { paths: redactedPaths, censor: '[redacted]' },
  });
}
