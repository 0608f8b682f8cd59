/**
 * The resolution trail of safety-net findings (PRODUCT.md capability 3: "findings have a
 * severity, an explanation, and a resolution trail"). The engine is re-run whenever a case's
 * records or intake change; the server keeps one tracked finding per fingerprint and merges each
 * new run into them with `mergeSafetyNetRun`:
 * - a fingerprint seen for the first time is `open`;
 * - an open finding the run no longer raises is resolved by the system (`no_longer_raised`): the
 *   missing report was uploaded, the code corrected;
 * - a finding still raised keeps its state: a person's resolution or dismissal stands (the
 *   finding's wording and severity are refreshed, the decision is not undone);
 * - a finding the system had resolved that is raised again is reopened.
 * People act through `resolveFinding` (with how it was handled) and `dismissFinding` (with a
 * reason, required), and may `reopenFinding`. The patient side (the patient, a proxy acting for
 * them, the referring physician) may `respondToFinding`: answer the question it asks or explain
 * why it does not apply. A response does not close the finding — staff verify it, then resolve it
 * (`answered`) or dismiss it — and the latest one is read back with `patientResponseOf`. Every
 * step is appended to the finding's trail, which is never rewritten (the medicolegal record of
 * capability 10 relies on it).
 *
 * `openBlockers` is the guard of the `ready_for_matching` transition: a case with an open
 * blocker cannot move on unless a coordinator overrides it (resolving it with `overridden`).
 */
import { z } from 'zod';
import { AppError } from '../errors.ts';
import { compareFindings, type Finding } from './finding.ts';

export type TrackedFindingState = 'open' | 'resolved' | 'dismissed';

/** How a finding was resolved. */
export const resolutionMethods = [
  /** The run no longer raises it (set by the system only). */
  'no_longer_raised',
  /** A record was added or replaced (uploaded, requested from the provider). */
  'record_added',
  /** The intake or a record's data was corrected. */
  'corrected',
  /** The patient or a clinician answered the question it asks. */
  'answered',
  /** A clinician confirmed it is known and accounted for (e.g. an interaction under monitoring). */
  'clinically_reviewed',
  /** A coordinator let the case proceed despite it. */
  'overridden',
] as const;

export type ResolutionMethod = (typeof resolutionMethods)[number];

/** The current resolution of a finding: who ended it, when, how, and why. */
export interface FindingResolution {
  fingerprint: string;
  outcome: 'resolved' | 'dismissed';
  /** A user id; null when the system resolved it. */
  by: string | null;
  /** ISO 8601 instant. */
  at: string;
  /** How it was resolved; null for a dismissal. */
  method: ResolutionMethod | null;
  /** Free text; the reason is required for a dismissal. */
  note: string | null;
}

export const findingTrailActions = [
  'raised',
  'updated',
  'resolved',
  'dismissed',
  'reopened',
  'auto_resolved',
  'responded',
] as const;

export type FindingTrailAction = (typeof findingTrailActions)[number];

/**
 * How the patient side responds to a finding: an `answer` to the question it asks ("the scan was
 * done at St Mary's on 3 March, I have asked them for it") or an `explanation` of why it does not
 * apply ("I stopped warfarin in June").
 */
export const findingResponseKinds = ['answer', 'explanation'] as const;

export type FindingResponseKind = (typeof findingResponseKinds)[number];

/** The longest response, in characters after trimming (the same bound as a decision's note). */
export const findingResponseMaxLength = 2000;

/** A response of the patient side, as the server's route receives it. */
export const findingResponseSchema = z.strictObject({
  kind: z.enum(findingResponseKinds),
  text: z.string().trim().min(1).max(findingResponseMaxLength),
});

export type FindingResponse = z.infer<typeof findingResponseSchema>;

export interface FindingTrailEntry {
  at: string;
  action: FindingTrailAction;
  by: string | null;
  method: ResolutionMethod | null;
  /** Free text: a resolution's note, a dismissal's reason, or the text of a response. */
  note: string | null;
  /** The severity at that moment (a finding's severity may change between runs). */
  severity: Finding['severity'];
  /**
   * Only on `responded` entries: what kind of response, and the patient's user id when someone
   * responded for them (a proxy, the referring physician). Absent from entries of other actions
   * and from trails stored before responses existed.
   */
  response?: { kind: FindingResponseKind; onBehalfOf: string | null };
}

/** The latest response of the patient side on a finding (see `patientResponseOf`). */
export interface PatientResponse {
  kind: FindingResponseKind;
  text: string;
  /** The user who wrote it. */
  by: string;
  /** The patient's user id when `by` acted for them; null when the patient wrote it. */
  onBehalfOf: string | null;
  /** ISO 8601 instant. */
  at: string;
}

export interface TrackedFinding {
  fingerprint: string;
  /** The finding as last raised. */
  finding: Finding;
  state: TrackedFindingState;
  /** Whether the latest run raised it. */
  present: boolean;
  resolution: FindingResolution | null;
  firstRaisedAt: string;
  lastRaisedAt: string;
  trail: FindingTrailEntry[];
}

/** A person's decision on a finding, as the server's route receives it. */
export const findingDecisionSchema = z.discriminatedUnion('outcome', [
  z.strictObject({
    outcome: z.literal('resolved'),
    method: z.enum(resolutionMethods).exclude(['no_longer_raised']),
    note: z.string().trim().min(1).max(2000).nullable().optional(),
  }),
  z.strictObject({
    outcome: z.literal('dismissed'),
    reason: z.string().trim().min(3).max(2000),
  }),
]);

export type FindingDecision = z.infer<typeof findingDecisionSchema>;

function entry(
  tracked: TrackedFinding,
  at: string,
  action: FindingTrailAction,
  by: string | null,
  method: ResolutionMethod | null,
  note: string | null,
): FindingTrailEntry {
  return { at, action, by, method, note, severity: tracked.finding.severity };
}

function open(finding: Finding, at: string): TrackedFinding {
  const tracked: TrackedFinding = {
    fingerprint: finding.fingerprint,
    finding,
    state: 'open',
    present: true,
    resolution: null,
    firstRaisedAt: at,
    lastRaisedAt: at,
    trail: [],
  };
  tracked.trail.push(entry(tracked, at, 'raised', null, null, null));
  return tracked;
}

function stillRaised(tracked: TrackedFinding, finding: Finding, at: string): TrackedFinding {
  const next: TrackedFinding = {
    ...tracked,
    finding,
    present: true,
    lastRaisedAt: at,
    trail: [...tracked.trail],
  };
  const systemResolved = tracked.state === 'resolved' && tracked.resolution?.by === null;
  if (systemResolved) {
    next.state = 'open';
    next.resolution = null;
    next.trail.push(entry(next, at, 'reopened', null, null, 'raised again by the safety net'));
  } else if (finding.severity !== tracked.finding.severity) {
    next.trail.push(
      entry(
        next,
        at,
        'updated',
        null,
        null,
        `severity ${tracked.finding.severity} → ${finding.severity}`,
      ),
    );
  }
  return next;
}

function noLongerRaised(tracked: TrackedFinding, at: string): TrackedFinding {
  if (tracked.state !== 'open') return tracked.present ? { ...tracked, present: false } : tracked;
  const next: TrackedFinding = {
    ...tracked,
    state: 'resolved',
    present: false,
    resolution: {
      fingerprint: tracked.fingerprint,
      outcome: 'resolved',
      by: null,
      at,
      method: 'no_longer_raised',
      note: null,
    },
    trail: [...tracked.trail],
  };
  next.trail.push(entry(next, at, 'auto_resolved', null, 'no_longer_raised', null));
  return next;
}

/**
 * Merges a new run of the engine into the tracked findings of a case (rules in the module
 * comment). Returns every tracked finding, in the engine's order of their latest content;
 * the inputs are not changed.
 */
export function mergeSafetyNetRun(
  tracked: readonly TrackedFinding[],
  run: readonly Finding[],
  at: string,
): TrackedFinding[] {
  const byFingerprint = new Map(tracked.map((item) => [item.fingerprint, item]));
  const raised = new Map(run.map((finding) => [finding.fingerprint, finding]));
  const merged: TrackedFinding[] = [];
  for (const [fingerprint, finding] of raised) {
    const known = byFingerprint.get(fingerprint);
    merged.push(known === undefined ? open(finding, at) : stillRaised(known, finding, at));
  }
  for (const item of tracked)
    if (!raised.has(item.fingerprint)) merged.push(noLongerRaised(item, at));
  return merged.sort((left, right) => compareFindings(left.finding, right.finding));
}

/** Applies a person's decision (resolve with a method, or dismiss with a reason). */
export function decideFinding(
  tracked: TrackedFinding,
  decision: FindingDecision,
  by: string,
  at: string,
): TrackedFinding {
  const resolution: FindingResolution =
    decision.outcome === 'resolved'
      ? {
          fingerprint: tracked.fingerprint,
          outcome: 'resolved',
          by,
          at,
          method: decision.method,
          note: decision.note ?? null,
        }
      : {
          fingerprint: tracked.fingerprint,
          outcome: 'dismissed',
          by,
          at,
          method: null,
          note: decision.reason,
        };
  const next: TrackedFinding = {
    ...tracked,
    state: decision.outcome,
    resolution,
    trail: [...tracked.trail],
  };
  next.trail.push(entry(next, at, decision.outcome, by, resolution.method, resolution.note));
  return next;
}

/** Resolves a finding by a person, saying how. */
export function resolveFinding(
  tracked: TrackedFinding,
  method: Exclude<ResolutionMethod, 'no_longer_raised'>,
  by: string,
  at: string,
  note: string | null = null,
): TrackedFinding {
  return decideFinding(tracked, { outcome: 'resolved', method, note }, by, at);
}

/** Dismisses a finding by a person; the reason is required (e.g. "patient has no such record"). */
export function dismissFinding(
  tracked: TrackedFinding,
  reason: string,
  by: string,
  at: string,
): TrackedFinding {
  return decideFinding(
    tracked,
    findingDecisionSchema.parse({ outcome: 'dismissed', reason }),
    by,
    at,
  );
}

/** Reopens a resolved or dismissed finding (a decision taken back). */
export function reopenFinding(
  tracked: TrackedFinding,
  by: string,
  at: string,
  note: string | null = null,
): TrackedFinding {
  if (tracked.state === 'open') return tracked;
  const next: TrackedFinding = {
    ...tracked,
    state: 'open',
    resolution: null,
    trail: [...tracked.trail],
  };
  next.trail.push(entry(next, at, 'reopened', by, null, note));
  return next;
}

/**
 * Records a response of the patient side on an open finding: appended to the trail as
 * `responded` (the text as its note), leaving the finding open for staff to verify. `by` is the
 * user who wrote it and `onBehalfOf` the patient's user id when that user acts for them. A
 * finding already resolved or dismissed answers `conflict` (reason `finding_not_open`); a text
 * that is empty or longer than `findingResponseMaxLength` once trimmed answers
 * `validation_failed`.
 */
export function respondToFinding(
  tracked: TrackedFinding,
  response: FindingResponse,
  by: string,
  at: string,
  onBehalfOf: string | null = null,
): TrackedFinding {
  if (tracked.state !== 'open') {
    throw new AppError('conflict', {
      message: 'This finding was already resolved or dismissed.',
      details: { reason: 'finding_not_open', state: tracked.state },
    });
  }
  const parsed = findingResponseSchema.safeParse(response);
  if (!parsed.success) {
    throw new AppError('validation_failed', {
      message: `Write between 1 and ${String(findingResponseMaxLength)} characters.`,
      details: { issues: [{ path: 'text', message: 'Required' }] },
    });
  }
  const next: TrackedFinding = { ...tracked, trail: [...tracked.trail] };
  next.trail.push({
    ...entry(next, at, 'responded', by, null, parsed.data.text),
    response: { kind: parsed.data.kind, onBehalfOf },
  });
  return next;
}

function isResponseKind(value: unknown): value is FindingResponseKind {
  return (findingResponseKinds as readonly unknown[]).includes(value);
}

/**
 * The latest response of the patient side on a finding, read from its trail (the one stored
 * record of responses), or null when there is none. Read defensively: the trail is stored JSON,
 * so an entry without a writer or text is skipped, and one without its `response` part counts as
 * an answer written by the patient.
 */
export function patientResponseOf(tracked: Pick<TrackedFinding, 'trail'>): PatientResponse | null {
  for (let index = tracked.trail.length - 1; index >= 0; index -= 1) {
    const step = tracked.trail[index];
    if (step?.action !== 'responded') continue;
    if (typeof step.by !== 'string' || typeof step.note !== 'string' || step.note === '') continue;
    const response: unknown = step.response;
    const details =
      typeof response === 'object' && response !== null
        ? (response as Record<string, unknown>)
        : {};
    return {
      kind: isResponseKind(details.kind) ? details.kind : 'answer',
      text: step.note,
      by: step.by,
      onBehalfOf: typeof details.onBehalfOf === 'string' ? details.onBehalfOf : null,
      at: step.at,
    };
  }
  return null;
}

/**
 * The blockers that hold a case back from `ready_for_matching` unless overridden: raised by the
 * latest run and neither resolved nor dismissed (a system resolution that the run contradicts was
 * reopened by `mergeSafetyNetRun`).
 */
export function openBlockers<T extends TrackedFinding>(tracked: readonly T[]): T[] {
  return tracked.filter(
    (item) => item.state === 'open' && item.present && item.finding.severity === 'blocker',
  );
}
