/**
 * What stands between the specialist and a step, in words: the lifecycle's guard failures
 * (`opinion_section_missing:treatment_options`, `peer_review_not_approved`, … from core's
 * `GuardFailure`) turned into sentences that name the section or the missing piece.
 */
import { useCallback } from 'react';
import { useTranslation } from 'react-i18next';
import { editorSections, type EditorSection } from './opinion-form.ts';

const sectionPrefix = 'opinion_section_missing:';

function isEditorSection(value: string): value is EditorSection {
  return editorSections.some((section) => section === value);
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
