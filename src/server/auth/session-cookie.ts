/**
 * The session cookie: an opaque random token (only its SHA-256 is stored), HttpOnly, Secure,
 * SameSite=Strict; and the CSRF cookie, readable by the page, echoed in the x-csrf-token header
 * (double-submit, OWASP CSRF Prevention Cheat Sheet).
 */
import type { FastifyReply } from 'fastify';

export const sessionCookieName = 'consilium_session';
export const csrfCookieName = 'consilium_csrf';
export const csrfHeaderName = 'x-csrf-token';

export function setSessionCookie(reply: FastifyReply, token: string): void {
  reply.setCookie(sessionCookieName, token, {
    path: '/',
    httpOnly: true,
    secure: true,
    sameSite: 'strict',
  });
}

export function clearSessionCookie(reply: FastifyReply): void {
  reply.clearCookie(sessionCookieName, {
    path: '/',
    httpOnly: true,
    secure: true,
    sameSite: 'strict',
  });
}

export function setCsrfCookie(reply: FastifyReply, token: string): void {
  reply.setCookie(csrfCookieName, token, {
    path: '/',
    httpOnly: false,
    secure: true,
    sameSite: 'strict',
  });
}
