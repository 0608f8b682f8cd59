/**
 * The resolution trail: merging a new run into the tracked findings (new → open, gone →
 * resolved by the system, still raised → keeps a person's decision), people's decisions, and the
 * guard against moving a case on with an open blocker.
 */
import { describe, expect, it } from 'vitest';
import type { Finding, FindingSeverity } from './finding.ts';
import {
  decideFinding,
  dismissFinding,
  findingDecisionSchema,
  hasOpenBlocker,
  mergeSafetyNetRun,
  reopenFinding,
  resolutionsOf,
  resolveFinding,
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

describe('hasOpenBlocker', () => {
  const run = [finding('a', 'blocker'), finding('b', 'warning')];

  it('is true while a blocker has no person’s resolution or dismissal', () => {
    expect(hasOpenBlocker(run, [])).toBe(true);
    expect(hasOpenBlocker([finding('b', 'warning')], [])).toBe(false);
  });

  it('is false once every blocker is resolved, overridden or dismissed by a person', () => {
    const [open] = mergeSafetyNetRun([], run, t1);
    const overridden = resolveFinding(
      open!,
      'overridden',
      'coordinator-1',
      t2,
      'Reviewer has the films.',
    );
    expect(hasOpenBlocker(run, resolutionsOf([overridden]))).toBe(false);
  });

  it('is not fooled by a stale system resolution of a blocker raised again', () => {
    expect(
      hasOpenBlocker(run, [
        {
          fingerprint: 'a',
          outcome: 'resolved',
          by: null,
          at: t1,
          method: 'no_longer_raised',
          note: null,
        },
      ]),
    ).toBe(true);
  });
});
