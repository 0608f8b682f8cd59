/**
 * The one typed HTTP client of the browser app (STYLE.md §1: web talks to server only through a
 * typed client). Types come from the generated `schema.gen.ts`; this module adds the session
 * cookie policy and the CSRF double-submit header, and turns error bodies into `ApiError`s.
 */
import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from './schema.gen.ts';
import { ApiError, toApiError } from './api-error.ts';

/** Name of the cookie the server sets for the double-submit CSRF check. */
export const csrfCookieName = 'consilium_csrf';
/** Header the server expects on every state-changing request. */
export const csrfHeaderName = 'x-csrf-token';

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The value of a cookie visible to scripts, or undefined. */
export function readCookie(name: string): string | undefined {
  for (const part of document.cookie.split(';')) {
    const separator = part.indexOf('=');
    if (separator === -1) continue;
    if (part.slice(0, separator).trim() === name) {
      return decodeURIComponent(part.slice(separator + 1).trim());
    }
  }
  return undefined;
}

const csrfMiddleware: Middleware = {
  onRequest({ request }) {
    if (safeMethods.has(request.method.toUpperCase())) return undefined;
    const token = readCookie(csrfCookieName);
    if (token !== undefined) request.headers.set(csrfHeaderName, token);
    return request;
  },
};

export const client = createClient<paths>({ baseUrl: '', credentials: 'same-origin' });
client.use(csrfMiddleware);

type ClientResult<T> = { data?: T; error?: unknown; response: Response };

/**
 * Awaits an openapi-fetch call and returns its data, or throws an `ApiError` carrying the
 * server's `{ error: { code, message, details } }`. Every call in the app goes through here, so
 * error handling (session expiry, forced MFA enrolment, re-authentication) is one place.
 */
export async function unwrap<T>(call: Promise<ClientResult<T>>): Promise<T> {
  let result: ClientResult<T>;
  try {
    result = await call;
  } catch (cause) {
    throw new ApiError({ status: 0, code: 'network_error', message: 'Network error', cause });
  }
  if (result.error !== undefined || !result.response.ok) {
    throw toApiError(result.response.status, result.error);
  }
  return result.data as T;
}
