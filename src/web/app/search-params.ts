/**
 * Validators for the query strings of routes. URLs are typed by people and by emails, so every
 * value is narrowed from `unknown`; anything unexpected is dropped rather than trusted.
 */
import { auditEventTypeNames, type AuditEventType } from '../../core/audit.ts';

function optionalString(value: unknown): string | undefined {
  if (typeof value === 'number') return String(value);
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export interface TokenSearch {
  token?: string;
}

export function validateTokenSearch(search: Record<string, unknown>): TokenSearch {
  const token = optionalString(search.token);
  return token === undefined ? {} : { token };
}

export interface SignInSearch {
  /** Set (as `?expired=1`) when the person was sent here because their session ended. */
  expired?: 1;
  redirect?: string;
}

/** Only same-origin paths may be followed after sign-in (no open redirect). */
export function safeRedirectPath(value: string | undefined): string | undefined {
  if (
    value === undefined ||
    !value.startsWith('/') ||
    value.startsWith('//') ||
    value.startsWith('/\\')
  ) {
    return undefined;
  }
  return value;
}

export function validateSignInSearch(search: Record<string, unknown>): SignInSearch {
  const result: SignInSearch = {};
  if (
    search.expired === true ||
    search.expired === 1 ||
    search.expired === '1' ||
    search.expired === 'true'
  ) {
    result.expired = 1;
  }
  const redirect = safeRedirectPath(optionalString(search.redirect));
  if (redirect !== undefined) result.redirect = redirect;
  return result;
}

export const mfaMethods = ['totp', 'recovery_code', 'passkey'] as const;
export type MfaMethod = (typeof mfaMethods)[number];

export interface MfaSearch {
  methods?: MfaMethod[];
  redirect?: string;
}

export function validateMfaSearch(search: Record<string, unknown>): MfaSearch {
  const raw = Array.isArray(search.methods)
    ? search.methods
    : typeof search.methods === 'string'
      ? search.methods.split(',')
      : [];
  const methods = mfaMethods.filter((method) => raw.includes(method));
  const result: MfaSearch = {};
  if (methods.length > 0) result.methods = methods;
  const redirect = safeRedirectPath(optionalString(search.redirect));
  if (redirect !== undefined) result.redirect = redirect;
  return result;
}

export const auditSorts = ['-occurredAt', 'occurredAt', 'eventType', '-eventType'] as const;
export type AuditSort = (typeof auditSorts)[number];

export interface AuditSearch {
  actor?: string;
  patientId?: string;
  eventType?: AuditEventType;
  /** Calendar dates (YYYY-MM-DD) in the viewer's time zone. */
  from?: string;
  to?: string;
  sort?: AuditSort;
}

const isoDate = /^\d{4}-\d{2}-\d{2}$/;

export function validateAuditSearch(search: Record<string, unknown>): AuditSearch {
  const result: AuditSearch = {};
  const actor = optionalString(search.actor);
  if (actor !== undefined) result.actor = actor;
  const patientId = optionalString(search.patientId);
  if (patientId !== undefined) result.patientId = patientId;
  const eventType = optionalString(search.eventType);
  const knownType = auditEventTypeNames.find((name) => name === eventType);
  if (knownType !== undefined) result.eventType = knownType;
  const from = optionalString(search.from);
  if (from !== undefined && isoDate.test(from)) result.from = from;
  const to = optionalString(search.to);
  if (to !== undefined && isoDate.test(to)) result.to = to;
  const sort = auditSorts.find((candidate) => candidate === search.sort);
  if (sort !== undefined) result.sort = sort;
  return result;
}
