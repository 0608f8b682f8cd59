/**
 * The opinion editor's state, kept above the layout so switching between columns and tabs never
 * loses a word: the form, the draft as last saved, autosave two seconds after typing stops, the
 * Save button's check (every problem shown on its field, focus on the first), and what happens
 * when the draft was saved elsewhere (409): the person reloads the saved draft or keeps theirs.
 */
import { useForm } from '@mantine/form';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { canonicalJson } from '../../core/canonical-json.ts';
import type { OpinionContent } from '../../core/opinion.ts';
import { isApiError } from '../api/api-error.ts';
import { caseConflictOf, caseQueryKey, type CaseState, type CaseView } from '../queue/case-api.ts';
import {
  buildDraft,
  contentPathOf,
  editorSections,
  sectionStatuses,
  formPathOfServerIssue,
  formValuesOf,
  sectionOfKey,
  type EditorSection,
  type FieldProblem,
  type OpinionFormValues,
} from './opinion-form.ts';
import {
  fetchOpinionDraft,
  opinionDraftQueryKey,
  saveOpinionDraft,
  type OpinionDraft,
} from './review-api.ts';

/** How long after the last change the draft saves itself. */
export const autosaveDelayMs = 2000;

/** States in which the assigned specialist writes the draft (the server's rule). */
export const writableStates: readonly CaseState[] = ['in_review', 'awaiting_patient'];

export interface SavedDraft {
  content: OpinionContent;
  version: number | null;
  updatedAt: string | null;
  readability: OpinionDraft['readability'];
}

function savedOf(draft: OpinionDraft): SavedDraft {
  return {
    content: draft.content,
    version: draft.version,
    updatedAt: draft.updatedAt,
    readability: draft.readability,
  };
}

/** Why saving stopped: the draft changed elsewhere, or the case left review. */
export type EditorConflict = { kind: 'draft' } | { kind: 'stage'; currentState: CaseState | null };

/** Sections to open and the field to focus, once per `serial`. */
export interface Reveal {
  sections: EditorSection[];
  firstPath: string | null;
  serial: number;
}

export type SaveStatus =
  | { kind: 'conflict' }
  | { kind: 'saving' }
  | { kind: 'error'; error: unknown }
  | { kind: 'incomplete'; sections: EditorSection[]; savedAt: string | null }
  | { kind: 'unsaved' }
  | { kind: 'saved'; at: string }
  | { kind: 'empty' };

interface ServerIssue {
  path: string;
  message: string;
}

function serverIssuesOf(error: unknown): ServerIssue[] {
  if (!isApiError(error) || error.code !== 'validation_failed') return [];
  const details = error.details;
  if (typeof details !== 'object' || details === null || !('issues' in details)) return [];
  const issues = details.issues;
  if (!Array.isArray(issues)) return [];
  return issues.flatMap((issue: unknown) => {
    if (typeof issue !== 'object' || issue === null) return [];
    const path = 'path' in issue ? issue.path : undefined;
    const message = 'message' in issue ? issue.message : undefined;
    const joined = Array.isArray(path) ? path.map(String).join('.') : path;
    return typeof joined === 'string' && typeof message === 'string'
      ? [{ path: joined, message }]
      : [];
  });
}

/** The section to open first: the first one core does not count complete yet. */
function firstOpenSection(content: OpinionContent, questions: readonly { id: string }[]): string {
  const built = buildDraft(formValuesOf(content, questions), content);
  const statuses = sectionStatuses(
    built,
    questions.map((question) => question.id),
  );
  return editorSections.find((section) => statuses[section] !== 'complete') ?? '';
}

export function useOpinionEditor(caseView: CaseView, draft: OpinionDraft, writable: boolean) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const caseId = caseView.id;
  const questions = caseView.questions;
  const [saved, setSaved] = useState<SavedDraft>(() => savedOf(draft));
  const [conflict, setConflict] = useState<EditorConflict | null>(null);
  /** The content whose save failed (not retried by autosave until it changes). */
  const [failedKey, setFailedKey] = useState<string | null>(null);
  /** Sections to open and a counter that asks the editor to focus the first field in error. */
  const [reveal, setReveal] = useState<Reveal | null>(null);
  /** The editor's open sections, kept here so a change of layout does not close them. */
  const [openSections, setOpenSections] = useState<{ value: string[]; serial: number }>(() => ({
    value: [firstOpenSection(draft.content, questions)],
    serial: 0,
  }));

  const form = useForm<OpinionFormValues>({
    mode: 'controlled',
    initialValues: formValuesOf(draft.content, questions),
  });
  const values = form.values;
  const built = useMemo(() => buildDraft(values, saved.content), [values, saved.content]);
  const contentKey = useMemo(() => canonicalJson(built.content), [built.content]);
  const savedKey = useMemo(() => canonicalJson(saved.content), [saved.content]);
  const dirty = contentKey !== savedKey;

  const problemMessage = useCallback(
    (problem: FieldProblem) => t(`review.problems.${problem.kind}`, { max: problem.max }),
    [t],
  );

  /** Puts a server's field complaints on the fields; true when at least one found its field. */
  const placeServerIssues = useCallback(
    (error: unknown): boolean => {
      const issues = serverIssuesOf(error);
      const sections = new Set<EditorSection>();
      let firstPath: string | null = null;
      for (const issue of issues) {
        const path = formPathOfServerIssue(issue.path, form.getValues());
        const located = contentPathOf(issue.path);
        if (path === null || located === null) continue;
        form.setFieldError(path, t('review.problems.server', { message: issue.message }));
        sections.add(sectionOfKey(located.key));
        firstPath ??= path;
      }
      if (sections.size === 0) return false;
      setReveal((previous) => ({
        sections: [...sections],
        firstPath,
        serial: (previous?.serial ?? 0) + 1,
      }));
      return true;
    },
    [form, t],
  );

  /**
   * The save under way, and the version and content the server holds, read when a save starts:
   * a Save click during an autosave waits for it and then saves on top of the version it wrote,
   * instead of sending the same version twice (which the server would refuse as a conflict).
   */
  const inFlight = useRef<Promise<unknown> | null>(null);
  const stored = useRef({ version: draft.version, key: canonicalJson(draft.content) });

  const mutation = useMutation({
    mutationFn: (input: { content: OpinionContent; expectedVersion: number | null; key: string }) =>
      saveOpinionDraft(caseId, input.content, input.expectedVersion),
    onSuccess: async (result) => {
      stored.current = { version: result.version, key: canonicalJson(result.content) };
      setSaved(savedOf(result));
      setFailedKey(null);
      setConflict(null);
      queryClient.setQueryData(opinionDraftQueryKey(caseId), result);
      // What signing still lacks is part of the case view.
      await queryClient.invalidateQueries({ queryKey: caseQueryKey(caseId), exact: true });
    },
    onError: async (error, input) => {
      const stale = caseConflictOf(error);
      if (stale !== null) {
        const inReview = stale.currentState === null || writableStates.includes(stale.currentState);
        setConflict(
          inReview ? { kind: 'draft' } : { kind: 'stage', currentState: stale.currentState },
        );
        if (!inReview)
          await queryClient.invalidateQueries({ queryKey: caseQueryKey(caseId), exact: true });
        return;
      }
      setFailedKey(input.key);
      placeServerIssues(error);
    },
  });
  const { mutateAsync, isPending } = mutation;

  /** Saves what can be saved now; resolves true when nothing is left unsaved by a failure. */
  const saveNow = useCallback(async (): Promise<boolean> => {
    if (inFlight.current !== null) await inFlight.current.catch(() => undefined);
    if (contentKey === stored.current.key) return true;
    const saving = mutateAsync({
      content: built.content,
      expectedVersion: stored.current.version,
      key: contentKey,
    });
    inFlight.current = saving;
    try {
      await saving;
      return true;
    } catch {
      return false;
    } finally {
      if (inFlight.current === saving) inFlight.current = null;
    }
  }, [mutateAsync, built.content, contentKey]);

  // Autosave: two seconds after the last change (each change restarts the wait).
  useEffect(() => {
    if (!writable || !dirty || conflict !== null || isPending || failedKey === contentKey) return;
    const timer = window.setTimeout(() => void saveNow(), autosaveDelayMs);
    return () => window.clearTimeout(timer);
  }, [writable, dirty, conflict, isPending, failedKey, contentKey, saveNow]);

  // Leaving with work not yet saved asks first (the browser's own dialog).
  const unsaved = dirty || built.incomplete.length > 0;
  useEffect(() => {
    if (!writable || !unsaved) return;
    const warn = (event: BeforeUnloadEvent) => event.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [writable, unsaved]);

  /** Shows every problem on its field and asks the editor to focus the first; true when none. */
  const revealProblems = useCallback((): boolean => {
    form.clearErrors();
    if (built.problems.length === 0) return true;
    form.setErrors(
      Object.fromEntries(built.problems.map((problem) => [problem.path, problemMessage(problem)])),
    );
    const sections = [...new Set(built.problems.map((problem) => problem.section))];
    setReveal((previous) => ({
      sections,
      firstPath: built.problems[0]?.path ?? null,
      serial: (previous?.serial ?? 0) + 1,
    }));
    return false;
  }, [form, built.problems, problemMessage]);

  /** The Save button (and the step before signing): check everything, save what can be saved. */
  const checkAndSave = useCallback(async (): Promise<boolean> => {
    const complete = revealProblems();
    const stored = await saveNow();
    return complete && stored;
  }, [revealProblems, saveNow]);

  const fetchLatest = useCallback(
    () =>
      queryClient.query({
        queryKey: opinionDraftQueryKey(caseId),
        queryFn: () => fetchOpinionDraft(caseId),
        staleTime: 0,
      }),
    [queryClient, caseId],
  );

  /** After a conflict: drop local changes and continue from the draft as saved elsewhere. */
  const reloadSaved = useCallback(async () => {
    const fresh = await fetchLatest();
    stored.current = { version: fresh.version, key: canonicalJson(fresh.content) };
    setSaved(savedOf(fresh));
    form.setValues(formValuesOf(fresh.content, questions));
    form.resetDirty();
    form.clearErrors();
    setFailedKey(null);
    setConflict(null);
  }, [fetchLatest, form, questions]);

  /** After a conflict: keep what is on screen and save it over the draft saved elsewhere. */
  const keepMine = useCallback(async () => {
    const fresh = await fetchLatest();
    stored.current = { version: fresh.version, key: canonicalJson(fresh.content) };
    setConflict(null);
    await saveNow();
  }, [fetchLatest, saveNow]);

  const status: SaveStatus =
    conflict !== null
      ? { kind: 'conflict' }
      : isPending
        ? { kind: 'saving' }
        : mutation.error !== null && failedKey === contentKey
          ? { kind: 'error', error: mutation.error }
          : built.incomplete.length > 0
            ? { kind: 'incomplete', sections: built.incomplete, savedAt: saved.updatedAt }
            : dirty
              ? { kind: 'unsaved' }
              : saved.updatedAt !== null
                ? { kind: 'saved', at: saved.updatedAt }
                : { kind: 'empty' };

  return {
    form,
    built,
    saved,
    dirty,
    unsaved,
    status,
    conflict,
    reveal,
    openSections,
    setOpenSections,
    saving: isPending,
    checkAndSave,
    saveNow,
    reloadSaved,
    keepMine,
    placeServerIssues,
    writable,
  };
}

export type OpinionEditorControl = ReturnType<typeof useOpinionEditor>;
