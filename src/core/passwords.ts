/**
 * Password rules after NIST SP 800-63B §5.1.1.2: a minimum length, no composition rules, and
 * refusal of passwords known to be common or derived from the account's own details.
 */

export const passwordMinLength = 10;
export const passwordMaxLength = 128;

export type PasswordProblem = 'too_short' | 'too_long' | 'too_common' | 'contains_email';

/**
 * The problems with a proposed password; empty when acceptable. `isCommon` answers whether a
 * password is on the bundled list of common passwords (compared case-insensitively).
 */
export function checkPassword(
  password: string,
  context: { email: string; isCommon: (candidate: string) => boolean },
): PasswordProblem[] {
  const problems: PasswordProblem[] = [];
  const length = [...password].length;
  if (length < passwordMinLength) problems.push('too_short');
  if (length > passwordMaxLength) problems.push('too_long');
  if (context.isCommon(password.toLowerCase())) problems.push('too_common');
  const localPart = context.email.split('@')[0]?.toLowerCase() ?? '';
  if (localPart.length >= 4 && password.toLowerCase().includes(localPart)) {
    problems.push('contains_email');
  }
  return problems;
}
