/**
 * Password rules after NIST SP 800-63B §5.1.1.2.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkPassword, passwordMaxLength, passwordMinLength } from './passwords.ts';

const never = () => false;
const context = { email: 'maria.lopez@example.test', isCommon: never };

describe('checkPassword', () => {
  it('accepts a long enough password without composition rules', () => {
    expect(checkPassword('correct horse battery', context)).toEqual([]);
    expect(checkPassword('a'.repeat(passwordMinLength), context)).toEqual([]);
  });

  it('refuses passwords shorter than the minimum or longer than the maximum', () => {
    expect(checkPassword('a'.repeat(passwordMinLength - 1), context)).toEqual(['too_short']);
    expect(checkPassword('a'.repeat(passwordMaxLength), context)).toEqual([]);
    expect(checkPassword('a'.repeat(passwordMaxLength + 1), context)).toEqual(['too_long']);
  });

  it('counts characters (code points), not UTF-16 units', () => {
    expect(checkPassword('🔒'.repeat(passwordMinLength), context)).toEqual([]);
    expect(checkPassword('🔒'.repeat(passwordMinLength - 1), context)).toEqual(['too_short']);
  });

  it('asks the common-password list in lower case', () => {
    const seen: string[] = [];
    const problems = checkPassword('PassWord1234', {
      email: 'x@example.test',
      isCommon: (candidate) => (seen.push(candidate), candidate === 'password1234'),
    });
    expect(seen).toEqual(['password1234']);
    expect(problems).toEqual(['too_common']);
  });

  it("refuses a password containing the email's local part (4 characters or more)", () => {
    expect(checkPassword('my-MARIA.LOPEZ-pass', context)).toEqual(['contains_email']);
    expect(
      checkPassword('bob-is-my-name-ok', { email: 'bob@example.test', isCommon: never }),
    ).toEqual([]);
  });

  it('reports every problem at once', () => {
    expect(checkPassword('maria', { email: 'maria@example.test', isCommon: () => true })).toEqual([
      'too_short',
      'too_common',
      'contains_email',
    ]);
  });

  it('never reports too_short and too_long together, and length problems only outside the bounds', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme-ascii', maxLength: 200 }), (password) => {
        const problems = checkPassword(password, { email: 'zz@example.test', isCommon: never });
        expect(problems.includes('too_short')).toBe(password.length < passwordMinLength);
        expect(problems.includes('too_long')).toBe(password.length > passwordMaxLength);
      }),
    );
  });
});
