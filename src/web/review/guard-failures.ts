/**
 * What stands between the specialist and a step, in words: the lifecycle's guard failures
 * (`opinion_section_missing:treatment_options`, `peer_review_not_approved`, … from core's
 * `GuardFailure`) turned into sentences that name the section or the missing piece.
 */
import { useCallback } from 'react';
import { useTranslation } from 'react-i18next';
import { isApiError } from '../api/api-error.ts';
import { editorSections, type EditorSection } from './opinion-form.ts';

const sectionPrefix = 'opinion_section_missing:';

function isEditorSection(value: string): value is EditorSection {
  return editorSections.some((section) => section === value);
}

/** The guard failures a refused step (409) names in its details; empty for other errors. */
export function guardFailuresOf(error: unknown): string[] {
  if (!isApiError(error) || error.status !== 409) return [];
  const details = error.details;
  const failures =
    typeof details === 'object' && details !== null && 'failures' in details
      ? details.failures
      : undefined;
  return Array.isArray(failures)
    ? failures.filter((failure): failure is string => typeof failure === 'string')
    : [];
}

/** The title of each opinion section, as the editor and the read-only view show it. */
export function useSectionTitle(): (section: EditorSection) => string {
  const { t } = useTranslation();
  return useCallback((section: EditorSection) => t(`review.sections.${section}.title`), [t]);
}

/** A sentence for one guard failure; unknown codes still say something true. */
export function useGuardFailureText(): (failure: string) => string {
  const { t } = useTranslation();
  const sectionTitle = useSectionTitle();
  return useCallback(
    (failure: string) => {
      if (failure.startsWith(sectionPrefix)) {
        const section = failure.slice(sectionPrefix.length);
        if (isEditorSection(section))
          return t('review.failures.sectionMissing', { section: sectionTitle(section) });
      }
      return t(`review.failures.${failure}`, {
        defaultValue: t('review.failures.unknown', { code: failure }),
      });
    },
    [t, sectionTitle],
  );
}

/**
 * The failures as a short list: the missing sections named in one sentence, and "every question
 * needs its answer" left out when the answers section is already named.
 */
export function useFailureSummary(): (failures: readonly string[]) => string[] {
  const { t } = useTranslation();
  const sectionTitle = useSectionTitle();
  const failureText = useGuardFailureText();
  return useCallback(
    (failures: readonly string[]) => {
      const missing = failures
        .filter((failure) => failure.startsWith(sectionPrefix))
        .map((failure) => failure.slice(sectionPrefix.length))
        .filter(isEditorSection);
      const others = failures.filter(
        (failure) =>
          !(
            failure.startsWith(sectionPrefix) &&
            isEditorSection(failure.slice(sectionPrefix.length))
          ) && !(failure === 'patient_question_unanswered' && missing.includes('question_answers')),
      );
      return [
        ...(missing.length > 0
          ? [
              t('review.failures.sectionsMissing', {
                sections: missing.map(sectionTitle).join(', '),
              }),
            ]
          : []),
        ...others.map(failureText),
      ];
    },
    [t, sectionTitle, failureText],
  );
}
