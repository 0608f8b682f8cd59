/**
 * The resolution trail: merging a new run into the tracked findings (new → open, gone →
 * resolved by the system, still raised → keeps a person's decision), people's decisions, the
 * patient side's responses (which leave a finding open for staff to verify), and the guard
 * against moving a case on with an open blocker.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.ts';
import type { Finding, FindingSeverity } from './finding.ts';
import {
  decideFinding,
  dismissFinding,
  findingDecisionSchema,
  findingResponseKinds,
  findingResponseMaxLength,
  mergeSafetyNetRun,
  openBlockers,
  patientResponseOf,
  reopenFinding,
  resolveFinding,
  respondToFinding,
  type FindingTrailEntry,
  type TrackedFinding,
} from './resolution.ts';

function finding(
  fingerprint: string,
  severity: FindingSeverity = 'blocker',
  message = 'Please upload it.',
): Finding {
  return {
    rule: 'missing_document',
    severity,
    fingerprint,
    patientAction: 'upload',
    patientMessage: message,
    staffMessage: message,
    evidence: { sources: [], values: {} },
  };
}

const t1 = '2026-11-16T09:00:00.000Z';
const t2 = '2026-11-17T09:00:00.000Z';
const t3 = '2026-11-18T09:00:00.000Z';
const byFingerprint = (tracked: TrackedFinding[]) =>
  new Map(tracked.map((item) => [item.fingerprint, item]));

describe('mergeSafetyNetRun', () => {
  it('opens every finding of a first run, with a "raised" trail entry', () => {
    const merged = mergeSafetyNetRun([], [finding('a'), finding('b', 'info')], t1);
    expect(merged.map((item) => [item.fingerprint, item.state, item.present])).toEqual([
      ['a', 'open', true],
      ['b', 'open', true],
    ]);
    expect(merged[0]!.trail).toEqual([
      { at: t1, action: 'raised', by: null, method: null, note: null, severity: 'blocker' },
    ]);
    expect(merged[0]!.firstRaisedAt).toBe(t1);
  });

  it('resolves an open finding the run no longer raises, as the system', () => {
    const first = mergeSafetyNetRun([], [finding('a'), finding('b')], t1);
    const second = byFingerprint(mergeSafetyNetRun(first, [finding('b')], t2));
    expect(second.get('a')).toMatchObject({
      state: 'resolved',
      present: false,
      resolution: { outcome: 'resolved', by: null, method: 'no_longer_raised', at: t2 },
    });
    expect(second.get('a')!.trail.map((entry) => entry.action)).toEqual([
      'raised',
      'auto_resolved',
    ]);
    expect(second.get('b')).toMatchObject({ state: 'open', lastRaisedAt: t2, firstRaisedAt: t1 });
  });

  it('reopens a finding the system had resolved when it is raised again', () => {
    const first = mergeSafetyNetRun([], [finding('a')], t1);
    const gone = mergeSafetyNetRun(first, [], t2);
    const [back] = mergeSafetyNetRun(gone, [finding('a')], t3);
    expect(back).toMatchObject({ state: 'open', resolution: null, present: true });
    expect(back!.trail.map((entry) => entry.action)).toEqual([
      'raised',
      'auto_resolved',
      'reopened',
    ]);
  });

  it('keeps a person’s resolution or dismissal while the finding is still raised, refreshing its content', () => {
    const [open] = mergeSafetyNetRun([], [finding('a'), finding('b')], t1);
    const dismissed = dismissFinding(open!, 'The patient never had this scan.', 'user-1', t1);
    const [kept] = mergeSafetyNetRun([dismissed], [finding('a', 'warning', 'Reworded.')], t2);
    expect(kept).toMatchObject({
      state: 'dismissed',
      resolution: { by: 'user-1', outcome: 'dismissed' },
    });
    expect(kept!.finding.patientMessage).toBe('Reworded.');
    expect(kept!.trail.map((entry) => entry.action)).toEqual(['raised', 'dismissed', 'updated']);
    expect(kept!.trail.at(-1)!.note).toBe('severity blocker → warning');
  });

  it('keeps a person’s decision when the finding disappears, marking it absent', () => {
    const [open] = mergeSafetyNetRun([], [finding('a')], t1);
    const resolved = resolveFinding(open!, 'record_added', 'user-2', t1);
    const [after] = mergeSafetyNetRun([resolved], [], t2);
    expect(after).toMatchObject({
      state: 'resolved',
      present: false,
      resolution: { by: 'user-2', method: 'record_added' },
    });
    expect(after!.trail).toHaveLength(2);
  });

  it('does not change its inputs', () => {
    const first = mergeSafetyNetRun([], [finding('a')], t1);
    const snapshot = structuredClone(first);
    mergeSafetyNetRun(first, [], t2);
    expect(first).toEqual(snapshot);
  });
});

describe('decisions', () => {
  const [open] = mergeSafetyNetRun([], [finding('a')], t1);

  it('records who resolved a finding, how and why', () => {
    const resolved = resolveFinding(
      open!,
      'clinically_reviewed',
      'dr-1',
      t2,
      'Known, INR monitored weekly.',
    );
    expect(resolved).toMatchObject({
      state: 'resolved',
      resolution: {
        fingerprint: 'a',
        outcome: 'resolved',
        by: 'dr-1',
        at: t2,
        method: 'clinically_reviewed',
        note: 'Known, INR monitored weekly.',
      },
    });
    expect(resolved.trail.at(-1)).toMatchObject({
      action: 'resolved',
      by: 'dr-1',
      method: 'clinically_reviewed',
    });
  });

  it('requires a reason to dismiss', () => {
    expect(() => dismissFinding(open!, '  ', 'user-1', t2)).toThrow();
    expect(findingDecisionSchema.safeParse({ outcome: 'dismissed' }).success).toBe(false);
    expect(
      findingDecisionSchema.safeParse({ outcome: 'resolved', method: 'no_longer_raised' }).success,
    ).toBe(false);
    expect(
      findingDecisionSchema.parse({ outcome: 'resolved', method: 'overridden', note: ' ok ' }),
    ).toEqual({
      outcome: 'resolved',
      method: 'overridden',
      note: 'ok',
    });
  });

  it('reopens a decided finding, and leaves an open one as it is', () => {
    const dismissed = decideFinding(
      open!,
      { outcome: 'dismissed', reason: 'Not relevant.' },
      'user-1',
      t2,
    );
    const reopened = reopenFinding(dismissed, 'user-3', t3, 'Relevant after all.');
    expect(reopened).toMatchObject({ state: 'open', resolution: null });
    expect(reopened.trail.map((entry) => entry.action)).toEqual([
      'raised',
      'dismissed',
      'reopened',
    ]);
    expect(reopenFinding(open!, 'user-3', t3)).toBe(open);
  });
});

describe('responses of the patient side', () => {
  const [open] = mergeSafetyNetRun([], [finding('a')], t1);

  it('appends the answer to the trail and leaves the finding open, unresolved', () => {
    const answered = respondToFinding(
      open!,
      { kind: 'answer', text: "  The CT was done at St Mary's on 3 March; I asked them for it.  " },
      'patient-1',
      t2,
    );
    expect(answered).toMatchObject({ state: 'open', resolution: null, present: true });
    expect(answered.trail.at(-1)).toEqual({
      at: t2,
      action: 'responded',
      by: 'patient-1',
      method: null,
      note: "The CT was done at St Mary's on 3 March; I asked them for it.",
      severity: 'blocker',
      response: { kind: 'answer', onBehalfOf: null },
    });
    expect(patientResponseOf(answered)).toEqual({
      kind: 'answer',
      text: "The CT was done at St Mary's on 3 March; I asked them for it.",
      by: 'patient-1',
      onBehalfOf: null,
      at: t2,
    });
    expect(patientResponseOf(open!)).toBeNull();
  });

  it('records who wrote it for whom, and shows the latest of several', () => {
    const first = respondToFinding(
      open!,
      { kind: 'answer', text: 'Asked the clinic.' },
      'patient-1',
      t2,
    );
    const second = respondToFinding(
      first,
      { kind: 'explanation', text: 'She stopped warfarin in June.' },
      'proxy-1',
      t3,
      'patient-1',
    );
    expect(second.trail.map((step) => step.action)).toEqual(['raised', 'responded', 'responded']);
    expect(patientResponseOf(second)).toEqual({
      kind: 'explanation',
      text: 'She stopped warfarin in June.',
      by: 'proxy-1',
      onBehalfOf: 'patient-1',
      at: t3,
    });
  });

  it('is verified by staff: resolving as answered keeps the response on record', () => {
    const answered = respondToFinding(
      open!,
      { kind: 'answer', text: 'Biopsy at Riverside, 2 May.' },
      'patient-1',
      t2,
    );
    const resolved = resolveFinding(answered, 'answered', 'coordinator-1', t3, 'Confirmed.');
    expect(resolved).toMatchObject({
      state: 'resolved',
      resolution: { method: 'answered', by: 'coordinator-1' },
    });
    expect(resolved.trail.map((step) => step.action)).toEqual(['raised', 'responded', 'resolved']);
    expect(patientResponseOf(resolved)?.text).toBe('Biopsy at Riverside, 2 May.');
  });

  it('survives the next run that still raises the finding', () => {
    const answered = respondToFinding(
      open!,
      { kind: 'answer', text: 'Requested from the lab.' },
      'patient-1',
      t2,
    );
    const [kept] = mergeSafetyNetRun([answered], [finding('a')], t3);
    expect(kept).toMatchObject({ state: 'open' });
    expect(patientResponseOf(kept!)).toMatchObject({ text: 'Requested from the lab.' });
  });

  it('refuses a finding that is resolved or dismissed, as a conflict', () => {
    const closed = [
      resolveFinding(open!, 'record_added', 'coordinator-1', t2),
      dismissFinding(open!, 'Not relevant here.', 'coordinator-1', t2),
      mergeSafetyNetRun([open!], [], t2)[0]!,
    ];
    for (const tracked of closed) {
      const attempt = () =>
        respondToFinding(tracked, { kind: 'answer', text: 'Here it is.' }, 'patient-1', t3);
      expect(attempt).toThrow(AppError);
      try {
        attempt();
      } catch (error) {
        expect(error).toMatchObject({
          code: 'conflict',
          details: { reason: 'finding_not_open', state: tracked.state },
        });
      }
    }
  });

  it('takes 1 to 2000 characters once trimmed', () => {
    const respond = (text: string) =>
      respondToFinding(open!, { kind: 'explanation', text }, 'patient-1', t2);
    for (const text of ['', '   \n\t ', 'x'.repeat(findingResponseMaxLength + 1)])
      expect(() => respond(text)).toThrow(expect.objectContaining({ code: 'validation_failed' }));
    expect(patientResponseOf(respond('x'.repeat(findingResponseMaxLength)))?.text).toHaveLength(
      findingResponseMaxLength,
    );
    expect(patientResponseOf(respond(` ${'y'.repeat(findingResponseMaxLength)} `))?.text).toBe(
      'y'.repeat(findingResponseMaxLength),
    );
  });

  it('reads stored trails defensively', () => {
    const stored = (trail: unknown[]) => patientResponseOf({ trail: trail as FindingTrailEntry[] });
    // Written without the response part: an answer by the writer.
    expect(
      stored([
        { at: t1, action: 'raised', by: null, method: null, note: null, severity: 'warning' },
        { at: t2, action: 'responded', by: 'u-1', method: null, note: 'Old.', severity: 'warning' },
      ]),
    ).toEqual({ kind: 'answer', text: 'Old.', by: 'u-1', onBehalfOf: null, at: t2 });
    // Broken entries are skipped in favour of an earlier whole one.
    expect(
      stored([
        {
          at: t1,
          action: 'responded',
          by: 'u-1',
          note: 'Kept.',
          response: { kind: 'explanation' },
        },
        { at: t2, action: 'responded', by: null, note: 'No writer.' },
        { at: t3, action: 'responded', by: 'u-2', note: null },
        { at: t3, action: 'responded', by: 'u-2', note: 'Odd kind.', response: 'x' },
      ]),
    ).toMatchObject({ kind: 'answer', text: 'Odd kind.', by: 'u-2', onBehalfOf: null });
    expect(
      stored([
        {
          at: t1,
          action: 'responded',
          by: 'u-1',
          note: 'Kept.',
          response: { kind: 'explanation' },
        },
        { at: t2, action: 'responded', by: null, note: 'No writer.' },
      ]),
    ).toEqual({ kind: 'explanation', text: 'Kept.', by: 'u-1', onBehalfOf: null, at: t1 });
    expect(stored([])).toBeNull();
  });

  it('only ever appends to the trail, and a response never decides the finding', () => {
    type Step =
      | { type: 'respond'; kind: (typeof findingResponseKinds)[number]; text: string }
      | { type: 'resolve' }
      | { type: 'dismiss' }
      | { type: 'reopen' }
      | { type: 'run'; raised: boolean; severity: FindingSeverity };
    const step: fc.Arbitrary<Step> = fc.oneof(
      fc.record({
        type: fc.constant('respond' as const),
        kind: fc.constantFrom(...findingResponseKinds),
        text: fc.string({ minLength: 0, maxLength: 40 }),
      }),
      fc.constant({ type: 'resolve' as const }),
      fc.constant({ type: 'dismiss' as const }),
      fc.constant({ type: 'reopen' as const }),
      fc.record({
        type: fc.constant('run' as const),
        raised: fc.boolean(),
        severity: fc.constantFrom<FindingSeverity>('blocker', 'warning', 'info'),
      }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 25 }), (steps) => {
        let tracked = open!;
        let clock = Date.parse(t1);
        for (const next of steps) {
          clock += 60_000;
          const at = new Date(clock).toISOString();
          const before = tracked;
          switch (next.type) {
            case 'respond': {
              const valid = next.text.trim().length > 0;
              if (before.state !== 'open' || !valid) {
                expect(() =>
                  respondToFinding(before, { kind: next.kind, text: next.text }, 'p-1', at),
                ).toThrow(AppError);
                continue;
              }
              tracked = respondToFinding(before, { kind: next.kind, text: next.text }, 'p-1', at);
              expect(tracked.state).toBe(before.state);
              expect(tracked.resolution).toBe(before.resolution);
              expect(tracked.trail).toHaveLength(before.trail.length + 1);
              expect(patientResponseOf(tracked)).toEqual({
                kind: next.kind,
                text: next.text.trim(),
                by: 'p-1',
                onBehalfOf: null,
                at,
              });
              break;
            }
            case 'resolve':
              if (before.state === 'open') tracked = resolveFinding(before, 'answered', 'c-1', at);
              break;
            case 'dismiss':
              if (before.state === 'open')
                tracked = dismissFinding(before, 'Does not apply.', 'c-1', at);
              break;
            case 'reopen':
              tracked = reopenFinding(before, 'c-1', at);
              break;
            case 'run': {
              const run = next.raised ? [finding('a', next.severity)] : [];
              tracked = mergeSafetyNetRun([before], run, at)[0]!;
              break;
            }
          }
          expect(tracked.trail.slice(0, before.trail.length)).toEqual(before.trail);
        }
      }),
    );
  });
});

describe('openBlockers', () => {
  const run = [finding('a', 'blocker'), finding('b', 'warning')];
  const fingerprints = (tracked: readonly TrackedFinding[]) =>
    openBlockers(tracked).map((item) => item.fingerprint);

  it('holds a blocker that no person has resolved or dismissed', () => {
    expect(fingerprints(mergeSafetyNetRun([], run, t1))).toEqual(['a']);
    expect(fingerprints(mergeSafetyNetRun([], [finding('b', 'warning')], t1))).toEqual([]);
  });

  it('is empty once every blocker is resolved, overridden or dismissed by a person', () => {
    const [open, warning] = mergeSafetyNetRun([], run, t1);
    const overridden = resolveFinding(
      open!,
      'overridden',
      'coordinator-1',
      t2,
      'Reviewer has the films.',
    );
    expect(fingerprints([overridden, warning!])).toEqual([]);
  });

  it('is not fooled by a stale system resolution of a blocker raised again', () => {
    const raised = mergeSafetyNetRun([], run, t1);
    const gone = mergeSafetyNetRun(raised, [], t2);
    expect(gone.find((item) => item.fingerprint === 'a')?.resolution?.by).toBeNull();
    expect(fingerprints(gone)).toEqual([]);
    expect(fingerprints(mergeSafetyNetRun(gone, run, t2))).toEqual(['a']);
  });
});
