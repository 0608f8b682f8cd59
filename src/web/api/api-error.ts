/**
 * The browser-side view of the server's one error type (src/core/errors.ts): a stable code, the
 * HTTP status, the server's message and optional details.
 */

export interface ApiErrorInit {
  status: number;
  code: string;
  message: string;
  details?: unknown;
  cause?: unknown;
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: unknown;

  constructor(init: ApiErrorInit) {
    super(init.message, { cause: init.cause });
    this.name = 'ApiError';
    this.status = init.status;
    this.code = init.code;
    this.details = init.details;
  }
}

export function isApiError(value: unknown): value is ApiError {
  return value instanceof ApiError;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** Builds an `ApiError` from a response status and whatever body came back (narrowed, never trusted). */
export function toApiError(status: number, body: unknown): ApiError {
  const error = isRecord(body) && isRecord(body.error) ? body.error : undefined;
  const code =
    typeof error?.code === 'string'
      ? error.code
      : status >= 500
        ? 'internal_error'
        : 'unknown_error';
  const message = typeof error?.message === 'string' ? error.message : `HTTP ${status}`;
  return new ApiError({ status, code, message, details: error?.details });
}

/** Field issues of a `validation_failed` error, keyed by the first segment of their path. */
export function validationIssues(error: ApiError): Record<string, string> {
  const issues: Record<string, string> = {};
  if (error.code !== 'validation_failed' || !isRecord(error.details)) return issues;
  const list = error.details.issues;
  if (!Array.isArray(list)) return issues;
  for (const issue of list) {
    if (!isRecord(issue) || typeof issue.message !== 'string') continue;
    const path =
      typeof issue.path === 'string'
        ? issue.path
        : Array.isArray(issue.path)
          ? issue.path.join('.')
          : '';
    const field = path.replace(/^\/?(body\.?|\/)?/, '').split(/[./]/)[0] ?? '';
    if (field !== '' && issues[field] === undefined) issues[field] = issue.message;
  }
  return issues;
}

/** Problems of a `password_rejected` error (`too_short`, `too_common`, …). */
export function passwordProblems(error: ApiError): string[] {
  if (error.code !== 'password_rejected' || !isRecord(error.details)) return [];
  const problems = error.details.problems;
  return Array.isArray(problems) ? problems.filter((p): p is string => typeof p === 'string') : [];
}
