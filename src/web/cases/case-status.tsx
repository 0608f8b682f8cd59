/**
 * How the patient side is told where a case stands: a short label per state for badges, a
 * sentence saying what is happening now and one saying what happens next (keys under
 * `cases.status.<state>`), and the stage deadline in the viewer's language and time zone.
 */
import { Badge, Text } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { CaseState, StageOwner } from '../../core/case-lifecycle.ts';
import { useDateTimeFormat } from '../ui/use-date-time-format.ts';

type BadgeColor = 'gray' | 'blue' | 'yellow' | 'green' | 'red' | 'violet';

/** Who has to act shows in the colour: yellow when it is the patient side's turn. */
const stateColors: Readonly<Record<CaseState, BadgeColor>> = {
  draft: 'gray',
  submitted: 'blue',
  triage: 'blue',
  awaiting_records: 'yellow',
  ready_for_matching: 'blue',
  offered: 'blue',
  accepted: 'blue',
  in_review: 'violet',
  awaiting_patient: 'yellow',
  opinion_signed: 'violet',
  delivered: 'green',
  follow_up: 'violet',
  closed: 'gray',
  withdrawn: 'gray',
  cancelled: 'red',
};

export function CaseStateBadge({ state }: { state: CaseState }) {
  const { t } = useTranslation();
  return (
    <Badge variant="light" color={stateColors[state]} style={{ flexShrink: 0 }}>
      {t(`cases.stateLabels.${state}`)}
    </Badge>
  );
}

/** States in which the patient side has been asked to do something by a date. */
const patientDueStates: readonly CaseState[] = ['awaiting_records', 'awaiting_patient'];

/**
 * The stage deadline as a sentence: "please do this by …" when it is the patient side's turn,
 * "expected by …" when the team is working, nothing when the stage has no clock.
 */
export function StageDeadline({
  state,
  owner,
  deadline,
}: {
  state: CaseState;
  owner: StageOwner | null;
  deadline: string | null;
}) {
  const { t } = useTranslation();
  const formatDate = useDateTimeFormat({ dateStyle: 'long', timeStyle: 'short' });
  // The moment the page was shown; a deadline passing while it is open shows on the next visit.
  const [shownAt] = useState(() => Date.now());
  if (deadline === null || owner === null) return null;
  if (owner === 'patient') {
    if (!patientDueStates.includes(state)) return null;
    return <Text fw={500}>{t('cases.deadline.patient', { date: formatDate(deadline) })}</Text>;
  }
  const late = new Date(deadline).getTime() < shownAt;
  return (
    <Text fw={500}>
      {late ? t('cases.deadline.late') : t('cases.deadline.team', { date: formatDate(deadline) })}
    </Text>
  );
}
