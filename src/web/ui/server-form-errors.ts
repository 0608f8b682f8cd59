/**
 * Puts a server's field-level complaints (`validation_failed` issues, `password_rejected`
 * problems) next to the fields they concern, where Mantine links them with aria-describedby.
 * Returns whether the error was fully placed on fields; otherwise the caller shows it as an alert.
 */
import type { TFunction } from 'i18next';
import { isApiError, passwordProblems, validationIssues } from '../api/api-error.ts';

interface FormWithErrors {
  setFieldError: (path: string, error: string) => void;
  getValues: () => object;
}

export function placeServerErrorsOnFields(
  form: FormWithErrors,
  error: unknown,
  t: TFunction,
): boolean {
  if (!isApiError(error)) return false;
  const fields = Object.keys(form.getValues());
  if (error.code === 'password_rejected' && fields.includes('password')) {
    const problems = passwordProblems(error);
    const sentences = problems
      .map((problem) => t(`passwordProblems.${problem}`, { defaultValue: '' }))
      .filter(Boolean);
    form.setFieldError(
      'password',
      sentences.length > 0 ? sentences.join(' ') : t('errors.password_rejected'),
    );
    return true;
  }
  if (error.code === 'validation_failed') {
    const issues = validationIssues(error);
    const known = Object.entries(issues).filter(([field]) => fields.includes(field));
    for (const [field, message] of known) form.setFieldError(field, message);
    return known.length > 0 && known.length === Object.keys(issues).length;
  }
  return false;
}
