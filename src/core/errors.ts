/**
 * The one error type of Consilium and its catalogue of stable codes.
 *
 * Every failure a caller can see carries a stable machine code, an HTTP status and a message meant
 * for a person. The internal cause (stack, SQL, upstream error) never leaves the server.
 */

/** Stable error codes with their HTTP status and default user-facing message. */
export const errorCatalog = {
  validation_failed: { status: 400, message: 'Some of the information sent is not valid.' },
  invalid_json: { status: 400, message: 'The request body is not valid JSON.' },
  invalid_token: { status: 400, message: 'This link is invalid or has expired.' },
  password_rejected: { status: 400, message: 'Choose a different password.' },
  invalid_mfa_code: { status: 400, message: 'That code is not valid. Try again.' },
  unauthenticated: { status: 401, message: 'Sign in to continue.' },
  invalid_credentials: { status: 401, message: 'The email or password is not correct.' },
  session_expired: { status: 401, message: 'Your session has ended. Sign in again.' },
  mfa_challenge_required: {
    status: 401,
    message: 'Enter your second-factor code to finish signing in.',
  },
  csrf_failed: {
    status: 403,
    message: 'The request could not be verified. Reload the page and try again.',
  },
  email_not_verified: {
    status: 403,
    message: 'Confirm your email address first. We sent you a link.',
  },
  mfa_enrolment_required: {
    status: 403,
    message: 'Your role requires two-step verification. Set it up to continue.',
  },
  reauthentication_required: {
    status: 403,
    message: 'Confirm your password and second factor to continue.',
  },
  account_deactivated: { status: 403, message: 'This account has been deactivated.' },
  not_found: { status: 404, message: 'Not found.' },
  conflict: { status: 409, message: 'This conflicts with the current state.' },
  already_exists: { status: 409, message: 'This already exists.' },
  payload_too_large: { status: 413, message: 'The request is too large.' },
  unsupported_media_type: { status: 415, message: 'This content type is not accepted.' },
  account_locked: {
    status: 429,
    message: 'Too many failed attempts. Wait a few minutes before trying again.',
  },
  rate_limited: { status: 429, message: 'Too many requests. Slow down and try again shortly.' },
  internal_error: { status: 500, message: 'Something went wrong on our side. Try again later.' },
  service_unavailable: { status: 503, message: 'The service is not ready. Try again shortly.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof errorCatalog;

/** The JSON body of every error response. */
export interface ErrorBody {
  error: {
    code: ErrorCode;
    message: string;
    details?: unknown;
  };
}

export interface AppErrorOptions {
  /** Message for the person; defaults to the catalogue's. */
  message?: string;
  /** Safe, structured details for the caller (field errors, current state). */
  details?: unknown;
  /** What went wrong internally; logged, never sent. */
  cause?: unknown;
  /** Extra response headers, e.g. Retry-After. */
  headers?: Record<string, string>;
}

/** The one error type: a stable code, an HTTP status, a user message and optional details. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly userMessage: string;
  readonly details: unknown;
  readonly headers: Record<string, string>;

  constructor(code: ErrorCode, options: AppErrorOptions = {}) {
    const entry = errorCatalog[code];
    super(options.message ?? entry.message, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = entry.status;
    this.userMessage = options.message ?? entry.message;
    this.details = options.details;
    this.headers = options.headers ?? {};
  }

  /** The response body: code, message and details only. */
  toBody(): ErrorBody {
    return {
      error: {
        code: this.code,
        message: this.userMessage,
        ...(this.details === undefined ? {} : { details: this.details }),
      },
    };
  }
}

/** Narrowing helper for catch blocks. */
export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}
