/**
 * The one error type: the body carries the code, the user message and safe details, never the
 * internal cause or a stack.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AppError, errorCatalog, isAppError, type ErrorCode } from './errors.ts';

const codes = Object.keys(errorCatalog) as ErrorCode[];

describe('AppError', () => {
  it('takes its status and default message from the catalogue', () => {
    for (const code of codes) {
      const error = new AppError(code);
      expect(error.status).toBe(errorCatalog[code].status);
      expect(error.toBody()).toEqual({ error: { code, message: errorCatalog[code].message } });
    }
  });

  it('never puts the cause or the stack in the body', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...codes),
        fc.string({ minLength: 8 }),
        fc.option(fc.jsonValue(), { nil: undefined }),
        (code, secret, details) => {
          const cause = new Error(`SELECT password_hash FROM users -- ${secret}`);
          const error = new AppError(code, {
            cause,
            ...(details === undefined ? {} : { details }),
          });
          const body = error.toBody();
          const text = JSON.stringify(body);
          expect(Object.keys(body.error).sort()).toEqual(
            details === undefined ? ['code', 'message'] : ['code', 'details', 'message'],
          );
          expect(text).not.toContain('SELECT password_hash');
          expect(text).not.toContain('stack');
          expect(text).not.toContain(' at ');
          expect(error.cause).toBe(cause);
        },
      ),
    );
  });

  it('keeps a custom user message and details', () => {
    const error = new AppError('conflict', {
      message: 'Already assigned.',
      details: { state: 'assigned' },
      headers: { 'retry-after': '5' },
    });
    expect(error.toBody()).toEqual({
      error: { code: 'conflict', message: 'Already assigned.', details: { state: 'assigned' } },
    });
    expect(error.headers).toEqual({ 'retry-after': '5' });
  });

  it('is recognised by isAppError and nothing else is', () => {
    expect(isAppError(new AppError('not_found'))).toBe(true);
    expect(isAppError(new Error('not_found'))).toBe(false);
    expect(isAppError({ code: 'not_found', status: 404 })).toBe(false);
  });

  it('uses only client-error or server-error statuses', () => {
    for (const code of codes) expect(errorCatalog[code].status).toBeGreaterThanOrEqual(400);
  });
});
