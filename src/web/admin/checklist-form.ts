/**
 * The records checklists as an editable form (docs/safety-net.md, "Editing the checklists"): the
 * organization's checklist set turned into form values and back, adding and removing a
 * requirement, and the problems of the values keyed by form path. The values mirror the set's
 * shape (`checklists.oncology.items.1.maxAgeDays`), so one mapping places both the browser's
 * checks (`checklistSetSchema`, the schema the server validates with) and the server's
 * `validation_failed` issues on the fields. Pure: no React, no I/O.
 */
import type { z } from 'zod';
import type { DocumentKind } from '../../core/records/record-types.ts';
import {
  checklistNames,
  checklistSetSchema,
  defaultChecklistSet,
  type ChecklistFact,
  type ChecklistItem,
  type ChecklistName,
  type ChecklistSet,
} from '../../core/safety/checklists.ts';
import type { FindingSeverity } from '../../core/safety/finding.ts';
import { foldText } from '../../core/safety/text-folding.ts';

/** The limits of `checklistSetSchema` (src/core/safety/checklists.ts), for hints and inputs. */
export const checklistLimits = {
  items: 40,
  title: 120,
  label: 120,
  why: 600,
  idLength: 40,
  maxAgeDays: { min: 1, max: 3650 },
  historyGapDays: { min: 30, max: 3650 },
  keyword: { min: 2, max: 60 },
} as const;

interface ItemValuesBase {
  /** Identifies the row while it is edited (React key); not sent. */
  key: string;
  /** Whether the item is stored already: its id is then fixed (findings refer to it). */
  saved: boolean;
  /** Empty on a new item: the id is then derived from the label when saving. */
  id: string;
  label: string;
  why: string;
  missingSeverity: FindingSeverity;
}

export interface DocumentItemValues extends ItemValuesBase {
  type: 'document';
  kinds: DocumentKind[];
  modalities: string[];
  keywords: string[];
  /** Any date will do (the set's `maxAgeDays: null`); the days typed are kept for switching back. */
  anyAge: boolean;
  /** NumberInput gives '' while the field is empty. */
  maxAgeDays: number | string;
  staleSeverity: FindingSeverity;
}

export interface FactItemValues extends ItemValuesBase {
  type: 'fact';
  /** '' until one is chosen. */
  fact: ChecklistFact | '';
}

export type ChecklistItemValues = DocumentItemValues | FactItemValues;

export interface ChecklistValues {
  title: string;
  historyGapDays: number | string;
  items: ChecklistItemValues[];
}

export interface ChecklistSetValues {
  checklists: Record<ChecklistName, ChecklistValues>;
  /** Not edited on this screen; kept as loaded so saving sends them back unchanged. */
  specialtyCategories: ChecklistSet['specialtyCategories'];
  leadingCategories: ChecklistSet['leadingCategories'];
}

function toItemValues(item: ChecklistItem): ChecklistItemValues {
  const base = {
    key: `saved:${item.id}`,
    saved: true,
    id: item.id,
    label: item.label,
    why: item.why,
    missingSeverity: item.missingSeverity,
  };
  if (item.type === 'fact') return { ...base, type: 'fact', fact: item.fact };
  return {
    ...base,
    type: 'document',
    kinds: [...item.kinds],
    modalities: [...(item.modalities ?? [])],
    keywords: [...(item.keywords ?? [])],
    anyAge: item.maxAgeDays === null,
    // A sensible number to start from when "any date" is switched off.
    maxAgeDays: item.maxAgeDays ?? 365,
    staleSeverity: item.staleSeverity,
  };
}

/** The form values of a checklist set (every item saved). */
export function toChecklistValues(set: ChecklistSet): ChecklistSetValues {
  const checklists = Object.fromEntries(
    checklistNames.map((name): [ChecklistName, ChecklistValues] => {
      const checklist = set.checklists[name];
      return [
        name,
        {
          title: checklist.title,
          historyGapDays: checklist.historyGapDays,
          items: checklist.items.map(toItemValues),
        },
      ];
    }),
  ) as Record<ChecklistName, ChecklistValues>;
  return {
    checklists,
    specialtyCategories: { ...set.specialtyCategories },
    leadingCategories: [...set.leadingCategories],
  };
}

/** A new, empty document requirement: it must be recent (a year), a warning when missing. */
export function blankDocumentItem(key: string): DocumentItemValues {
  return {
    key,
    saved: false,
    type: 'document',
    id: '',
    label: '',
    why: '',
    kinds: [],
    modalities: [],
    keywords: [],
    anyAge: false,
    maxAgeDays: 365,
    missingSeverity: 'warning',
    staleSeverity: 'info',
  };
}

/** A new, empty intake-fact requirement, a warning when the intake leaves it empty. */
export function blankFactItem(key: string): FactItemValues {
  return {
    key,
    saved: false,
    type: 'fact',
    id: '',
    label: '',
    why: '',
    fact: '',
    missingSeverity: 'warning',
  };
}

/** Whether another requirement may be added to the checklist (the schema allows 40). */
export function mayAddItem(checklist: ChecklistValues): boolean {
  return checklist.items.length < checklistLimits.items;
}

/** The values with `item` appended to one checklist (unchanged when it is full). */
export function withItemAdded(
  values: ChecklistSetValues,
  name: ChecklistName,
  item: ChecklistItemValues,
): ChecklistSetValues {
  const checklist = values.checklists[name];
  if (!mayAddItem(checklist)) return values;
  return {
    ...values,
    checklists: {
      ...values.checklists,
      [name]: { ...checklist, items: [...checklist.items, item] },
    },
  };
}

/** The values without the requirement of that key in one checklist. */
export function withItemRemoved(
  values: ChecklistSetValues,
  name: ChecklistName,
  key: string,
): ChecklistSetValues {
  const checklist = values.checklists[name];
  return {
    ...values,
    checklists: {
      ...values.checklists,
      [name]: { ...checklist, items: checklist.items.filter((item) => item.key !== key) },
    },
  };
}

/**
 * The id a new requirement gets from its label when none is typed: the label folded to
 * lower-case ASCII words joined by `_` ("Blood test results" → `blood_test_results`), `item` when
 * nothing is left (a label in Devanagari), made unique among `taken` with `_2`, `_3`… and kept
 * within the schema's 40 characters.
 */
export function suggestedItemId(label: string, taken: ReadonlySet<string>): string {
  const words = foldText(label)
    .replace(/[^a-z0-9]+/g, ' ')
    .trim()
    .split(' ')
    .filter((word) => word !== '');
  let base = words.join('_');
  if (!/^[a-z]/.test(base)) base = base === '' ? 'item' : `item_${base}`;
  const fit = (text: string, room: number) => text.slice(0, room).replace(/_+$/, '');
  let candidate = fit(base, checklistLimits.idLength);
  for (let counter = 2; taken.has(candidate); counter += 1) {
    const suffix = `_${counter}`;
    candidate = `${fit(base, checklistLimits.idLength - suffix.length)}${suffix}`;
  }
  return candidate;
}

/** The ids the items will be saved under, in order (a new item without one gets a suggested id). */
export function effectiveItemIds(items: readonly ChecklistItemValues[]): string[] {
  const taken = new Set(items.map((item) => item.id.trim()).filter((id) => id !== ''));
  return items.map((item) => {
    const typed = item.id.trim();
    if (typed !== '') return typed;
    const id = suggestedItemId(item.label, taken);
    taken.add(id);
    return id;
  });
}

function wholeNumber(value: number | string): number {
  return typeof value === 'number' ? value : Number.NaN;
}

/** The checklist as the schema reads it (still unvalidated). */
function checklistCandidate(
  checklist: ChecklistValues,
): z.input<typeof checklistSetSchema>['checklists'][ChecklistName] {
  const ids = effectiveItemIds(checklist.items);
  return {
    title: checklist.title.trim(),
    historyGapDays: wholeNumber(checklist.historyGapDays),
    items: checklist.items.map((item, index) => {
      const common = {
        id: ids[index]!,
        label: item.label.trim(),
        why: item.why.trim(),
        missingSeverity: item.missingSeverity,
      };
      if (item.type === 'fact')
        return { type: 'fact', ...common, fact: item.fact as ChecklistFact };
      const modalities = item.modalities.map((modality) => modality.trim().toUpperCase());
      const keywords = item.keywords.map((keyword) => keyword.trim());
      return {
        type: 'document',
        ...common,
        kinds: [...item.kinds],
        ...(modalities.length > 0 ? { modalities } : {}),
        ...(keywords.length > 0 ? { keywords } : {}),
        maxAgeDays: item.anyAge ? null : wholeNumber(item.maxAgeDays),
        staleSeverity: item.staleSeverity,
      };
    }),
  };
}

/** What is wrong with a field; the page words each in the viewer's language. */
export type ChecklistProblemRule =
  | 'title'
  | 'historyGapDays'
  | 'tooManyItems'
  | 'id'
  | 'duplicateId'
  | 'label'
  | 'why'
  | 'kinds'
  | 'modalities'
  | 'keywords'
  | 'maxAgeDays'
  | 'fact'
  | 'severity';

export interface ChecklistProblem {
  /** The form path of the field (`checklists.oncology.items.1.maxAgeDays`). */
  path: string;
  rule: ChecklistProblemRule;
}

const itemFieldRules: Partial<Record<string, ChecklistProblemRule>> = {
  id: 'id',
  label: 'label',
  why: 'why',
  kinds: 'kinds',
  modalities: 'modalities',
  keywords: 'keywords',
  maxAgeDays: 'maxAgeDays',
  fact: 'fact',
  missingSeverity: 'severity',
  staleSeverity: 'severity',
};

function isChecklistName(value: string | undefined): value is ChecklistName {
  return checklistNames.some((name) => name === value);
}

/**
 * The field an issue of the checklist set concerns, from its path (`['checklists', 'oncology',
 * 'items', 1, 'maxAgeDays']`, or the server's `body.checklists.oncology.items.1.maxAgeDays`); null
 * when it concerns nothing this form shows (the specialty mapping, or a whole item).
 */
export function problemAtPath(
  path: string | readonly PropertyKey[],
  duplicate = false,
): ChecklistProblem | null {
  const segments = (typeof path === 'string' ? path.split(/[./]/) : path.map(String)).filter(
    (segment) => segment !== '',
  );
  if (segments[0] === 'body') segments.shift();
  const [root, name, field, index, itemField] = segments;
  if (root !== 'checklists' || !isChecklistName(name)) return null;
  const prefix = `checklists.${name}`;
  if (field === 'title' || field === 'historyGapDays')
    return { path: `${prefix}.${field}`, rule: field };
  if (field !== 'items') return null;
  if (index === undefined || !/^\d+$/.test(index))
    return { path: `${prefix}.items`, rule: 'tooManyItems' };
  const rule = itemField === undefined ? undefined : itemFieldRules[itemField];
  if (rule === undefined) return null;
  return {
    path: `${prefix}.items.${index}.${itemField!}`,
    rule: rule === 'id' && duplicate ? 'duplicateId' : rule,
  };
}

export type ChecklistReading =
  { set: ChecklistSet; problems: [] } | { set: null; problems: ChecklistProblem[] };

/**
 * The checklist set the values stand for, validated with the server's own schema, or the
 * problems keyed by form path (one per field; a duplicate id is told apart from a malformed one).
 */
export function readChecklistValues(values: ChecklistSetValues): ChecklistReading {
  const candidate = {
    version: 1,
    checklists: Object.fromEntries(
      checklistNames.map((name) => [name, checklistCandidate(values.checklists[name])]),
    ),
    specialtyCategories: values.specialtyCategories,
    leadingCategories: values.leadingCategories,
  };
  const problems = new Map<string, ChecklistProblem>();
  // The schema's own duplicate check runs only once every item is well-formed; this one always.
  for (const name of checklistNames) {
    const seen = new Set<string>();
    effectiveItemIds(values.checklists[name].items).forEach((id, index) => {
      if (seen.has(id)) {
        const path = `checklists.${name}.items.${index}.id`;
        problems.set(path, { path, rule: 'duplicateId' });
      }
      seen.add(id);
    });
  }
  const parsed = checklistSetSchema.safeParse(candidate);
  if (parsed.success && problems.size === 0) return { set: parsed.data, problems: [] };
  for (const issue of parsed.error?.issues ?? []) {
    const problem = problemAtPath(issue.path);
    if (problem !== null && !problems.has(problem.path)) problems.set(problem.path, problem);
  }
  return { set: null, problems: [...problems.values()] };
}

/** The problems of the values (none when they make a valid set). */
export function checklistProblems(values: ChecklistSetValues): ChecklistProblem[] {
  return readChecklistValues(values).problems;
}

/** The checklist a form path belongs to (`checklists.cardiology.items.0.label` → cardiology). */
export function checklistOfPath(path: string): ChecklistName | null {
  const name = path.split('.')[1];
  return path.startsWith('checklists.') && isChecklistName(name) ? name : null;
}

/** How many of the error paths fall in each checklist, to mark the categories that need a look. */
export function problemCounts(paths: Iterable<string>): Partial<Record<ChecklistName, number>> {
  const counts: Partial<Record<ChecklistName, number>> = {};
  for (const path of paths) {
    const name = checklistOfPath(path);
    if (name !== null) counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}

/** The value with object keys in order, so two sets compare by content, not by key order. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, entry]) => entry !== undefined)
        .sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0))
        .map(([key, entry]) => [key, canonical(entry)]),
    );
  return value;
}

/** Whether two checklist sets say the same (item order counts: it is the order findings list in). */
export function sameChecklistSet(left: ChecklistSet, right: ChecklistSet): boolean {
  return JSON.stringify(canonical(left)) === JSON.stringify(canonical(right));
}

/** Whether a set is the shipped defaults, as they are in this release. */
export function isShippedDefaults(set: ChecklistSet): boolean {
  return sameChecklistSet(set, defaultChecklistSet);
}

export interface ServerIssue {
  path: string;
  message: string;
}

/** The issues of a `validation_failed` error's details (`{ issues: [{ path, message }] }`). */
export function serverIssues(details: unknown): ServerIssue[] {
  if (typeof details !== 'object' || details === null || !('issues' in details)) return [];
  const list: unknown = details.issues;
  if (!Array.isArray(list)) return [];
  return list.flatMap((issue: unknown) => {
    if (typeof issue !== 'object' || issue === null) return [];
    const path = 'path' in issue ? issue.path : undefined;
    const message = 'message' in issue && typeof issue.message === 'string' ? issue.message : '';
    if (typeof path === 'string') return [{ path, message }];
    if (Array.isArray(path)) return [{ path: path.map(String).join('.'), message }];
    return [];
  });
}

/**
 * The server's issues placed on the form's fields, and those that concern nothing it shows. A
 * field the browser's own check also finds wrong keeps that check's (more precise) rule.
 */
export function placeServerIssues(
  issues: readonly ServerIssue[],
  values: ChecklistSetValues,
): { placed: ChecklistProblem[]; unplaced: ServerIssue[] } {
  const known = new Map(checklistProblems(values).map((problem) => [problem.path, problem]));
  const placed = new Map<string, ChecklistProblem>();
  const unplaced: ServerIssue[] = [];
  for (const issue of issues) {
    const problem = problemAtPath(issue.path, issue.message.startsWith('duplicate'));
    if (problem === null) unplaced.push(issue);
    else if (!placed.has(problem.path))
      placed.set(problem.path, known.get(problem.path) ?? problem);
  }
  return { placed: [...placed.values()], unplaced };
}
