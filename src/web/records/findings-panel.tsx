/**
 * The safety net's findings (PRODUCT.md capability 3) for two audiences. For the patient side:
 * plain words about what is missing or unclear, most pressing first, and what they can do about
 * each: answer the question it asks, or explain why it does not apply — with what they last
 * wrote ("You answered on …"), which they may change by writing again. For staff: the technical
 * text and rule, counts by severity, blockers first, the patient side's latest answer or
 * explanation shown prominently, the resolution and its trail, and, for staff who decide them,
 * the decisions the server takes (resolve saying how, with an optional note — `answered` offered
 * first once the patient side has responded; dismiss with a reason). The actions are the page's
 * callbacks; this panel asks, waits and shows the outcome.
 */
import {
  Anchor,
  Badge,
  Blockquote,
  Button,
  Collapse,
  Group,
  List,
  Paper,
  Select,
  Stack,
  Text,
  Textarea,
  Title,
} from '@mantine/core';
import { useId, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorAlert } from '../ui/error-alert.tsx';
import { useDateTimeFormat } from '../ui/use-date-time-format.ts';
import {
  findingResponseMaxLength,
  type FindingResponseKind,
} from '../../core/safety/resolution.ts';
import type {
  FindingResolutionMethod,
  FindingResponseRequest,
  FindingSeverity,
  SafetyFinding,
} from './records-api.ts';

interface FindingsPanelCommon {
  findings: readonly SafetyFinding[];
  /** Opens a document named as evidence. */
  onOpenDocument?: (documentId: string) => void;
}

export interface PatientFindingsPanelProps extends FindingsPanelCommon {
  audience: 'patient';
  /**
   * The patient side answers the question an open finding asks, or explains in their own words
   * why it does not apply (`POST …/response`); without it the panel only reads.
   */
  onRespond?: (finding: SafetyFinding, response: FindingResponseRequest) => Promise<void>;
  /** The signed-in user: their own response reads "You answered …", anyone else's by name. */
  viewerUserId?: string;
}

export interface StaffFindingsPanelProps extends FindingsPanelCommon {
  audience: 'staff';
  /**
   * Resolves the finding, saying how (`POST …/decision` with `outcome: 'resolved'`). Without it
   * and `onDismiss` (staff who only read the findings) the panel offers no decisions.
   */
  onResolve?: (
    finding: SafetyFinding,
    decision: { method: FindingResolutionMethod; note: string | null },
  ) => Promise<void>;
  /** Dismisses the finding with the reason it does not apply (`outcome: 'dismissed'`). */
  onDismiss?: (finding: SafetyFinding, reason: string) => Promise<void>;
}

export type FindingsPanelProps = PatientFindingsPanelProps | StaffFindingsPanelProps;

/** The ways a person may resolve a finding (the server's list, less the system's own). */
const resolutionMethods: readonly FindingResolutionMethod[] = [
  'record_added',
  'corrected',
  'answered',
  'clinically_reviewed',
  'overridden',
];

/** The server's shortest dismissal reason. */
const minReasonLength = 3;

const severityRank: Record<FindingSeverity, number> = { blocker: 0, warning: 1, info: 2 };
const severityColour: Record<FindingSeverity, string> = {
  blocker: 'red',
  warning: 'orange',
  info: 'blue',
};

function bySeverity(a: SafetyFinding, b: SafetyFinding): number {
  return severityRank[a.severity] - severityRank[b.severity];
}

/** A short text (and, when given, a choice) asked for before an action. */
function DecisionForm({
  label,
  description,
  minLength,
  choice,
  initialText = '',
  submitLabel,
  onSubmit,
  onCancel,
}: {
  label: string;
  description?: string;
  /** 0: the text is optional. */
  minLength: number;
  choice?: {
    label: string;
    options: { value: string; label: string }[];
    initial?: string | null;
  };
  /** What the field holds when it opens (e.g. the text being changed). */
  initialText?: string;
  submitLabel: string;
  onSubmit: (text: string, chosen: string | null) => Promise<void>;
  onCancel: () => void;
}) {
  const { t } = useTranslation();
  const [text, setText] = useState(initialText);
  const [chosen, setChosen] = useState<string | null>(choice?.initial ?? null);
  const [problems, setProblems] = useState<{ text?: string; choice?: string }>({});
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<unknown>(null);
  return (
    <form
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        const trimmed = text.trim();
        const found: { text?: string; choice?: string } = {};
        if (minLength > 0 && trimmed.length === 0) found.text = t('validation.required');
        else if (trimmed.length > 0 && trimmed.length < minLength) {
          found.text = t('records.findings.tooShort', { count: minLength });
        }
        if (choice !== undefined && chosen === null) found.choice = t('validation.required');
        setProblems(found);
        if (found.text !== undefined || found.choice !== undefined) return;
        setPending(true);
        setError(null);
        onSubmit(trimmed, chosen)
          .catch((cause: unknown) => setError(cause))
          .finally(() => setPending(false));
      }}
    >
      <Stack gap="xs">
        {choice !== undefined && (
          <Select
            label={choice.label}
            required
            data={choice.options}
            value={chosen}
            onChange={(value) => {
              setChosen(value);
              setProblems((current) => ({ ...current, choice: undefined }));
            }}
            error={problems.choice}
            allowDeselect={false}
          />
        )}
        <Textarea
          label={label}
          description={description}
          required={minLength > 0}
          autosize
          minRows={2}
          maxLength={findingResponseMaxLength}
          value={text}
          error={problems.text}
          onChange={(event) => {
            setText(event.currentTarget.value);
            setProblems((current) => ({ ...current, text: undefined }));
          }}
        />
        <ErrorAlert error={error} />
        <Group gap="xs">
          <Button type="submit" size="compact-sm" loading={pending}>
            {submitLabel}
          </Button>
          <Button size="compact-sm" variant="default" onClick={onCancel} disabled={pending}>
            {t('common.cancel')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function Evidence({
  finding,
  onOpenDocument,
}: {
  finding: SafetyFinding;
  onOpenDocument?: (documentId: string) => void;
}) {
  const { t } = useTranslation();
  if (finding.evidence.length === 0) return null;
  return (
    <Group gap={6} wrap="wrap">
      <Text size="sm" c="dimmed">
        {t('records.findings.evidence')}
      </Text>
      {finding.evidence.map((item, index) => {
        const documentId = item.documentId;
        const key = `${item.label}-${String(index)}`;
        return documentId !== null && onOpenDocument !== undefined ? (
          <Anchor
            key={key}
            component="button"
            type="button"
            size="sm"
            onClick={() => onOpenDocument(documentId)}
          >
            {item.label}
          </Anchor>
        ) : (
          <Text key={key} size="sm">
            {item.label}
          </Text>
        );
      })}
    </Group>
  );
}

/**
 * The latest answer or explanation of the patient side, quoted. The patient side reads "You
 * answered on …" for their own and the writer's name otherwise; staff read whose it is (and for
 * whom, when someone acted for the patient) and what to do next.
 */
function PatientResponse({
  finding,
  audience,
  viewerUserId,
}: {
  finding: SafetyFinding;
  audience: 'patient' | 'staff';
  viewerUserId?: string;
}) {
  const { t } = useTranslation();
  const formatDateTime = useDateTimeFormat({ dateStyle: 'medium', timeStyle: 'short' });
  const response = finding.patientResponse;
  if (response === null) return null;
  const date = formatDateTime(response.at);
  if (audience === 'staff') {
    return (
      <Stack
        gap={4}
        p="xs"
        style={{
          background: 'var(--mantine-color-blue-light)',
          borderRadius: 'var(--mantine-radius-sm)',
        }}
      >
        <Text size="sm" fw={600}>
          {t(`records.findings.response.staffTitle.${response.kind}`)}
        </Text>
        <Text size="sm">
          {response.onBehalfOf === null
            ? t('records.findings.response.staffBy', { name: response.by.name, date })
            : t('records.findings.response.staffByFor', {
                name: response.by.name,
                patient: response.onBehalfOf.name,
                date,
              })}
        </Text>
        <Blockquote color="blue" p="xs" mt={0} style={{ whiteSpace: 'pre-wrap' }}>
          {response.text}
        </Blockquote>
        {finding.state === 'open' && (
          <Text size="sm">{t('records.findings.response.staffHint')}</Text>
        )}
      </Stack>
    );
  }
  const own = viewerUserId !== undefined && response.by.id === viewerUserId;
  const head = own
    ? t(`records.findings.response.you.${response.kind}`, { date })
    : t(`records.findings.response.someone.${response.kind}`, { name: response.by.name, date });
  return (
    <Stack gap={4}>
      <Text size="sm" fw={600}>
        {head}
      </Text>
      <Blockquote color="blue" p="xs" mt={0} style={{ whiteSpace: 'pre-wrap' }}>
        {response.text}
      </Blockquote>
    </Stack>
  );
}

function PatientFinding({
  finding,
  props,
}: {
  finding: SafetyFinding;
  props: PatientFindingsPanelProps;
}) {
  const { t } = useTranslation();
  const [writing, setWriting] = useState<FindingResponseKind | null>(null);
  const [sent, setSent] = useState(false);
  const { onRespond } = props;
  const response = finding.patientResponse;
  const open = finding.state === 'open';
  const respondButton = (kind: FindingResponseKind) => {
    const changing = response?.kind === kind;
    return (
      <Button
        size="compact-sm"
        variant={kind === 'answer' ? 'filled' : 'default'}
        onClick={() => {
          setSent(false);
          setWriting(kind);
        }}
      >
        {changing
          ? t(`records.findings.response.change.${kind}`)
          : t(kind === 'answer' ? 'records.findings.answer' : 'records.findings.explain')}
      </Button>
    );
  };
  return (
    <Paper withBorder p="sm" component="li">
      <Stack gap={6}>
        <Badge color={severityColour[finding.severity]} variant="light" w="fit-content">
          {t(`records.findings.patientSeverity.${finding.severity}`)}
        </Badge>
        <Text style={{ whiteSpace: 'pre-wrap' }}>{finding.patientText}</Text>
        <Evidence finding={finding} onOpenDocument={props.onOpenDocument} />
        <PatientResponse finding={finding} audience="patient" viewerUserId={props.viewerUserId} />
        {sent && (
          <Text size="sm" role="status" c="green.9">
            {t('records.findings.response.sent')}
          </Text>
        )}
        {writing !== null && onRespond !== undefined ? (
          <DecisionForm
            label={t(`records.findings.response.label.${writing}`)}
            description={t(`records.findings.response.hint.${writing}`)}
            minLength={1}
            initialText={response?.kind === writing ? response.text : ''}
            submitLabel={t('records.findings.send')}
            onSubmit={async (text) => {
              await onRespond(finding, { kind: writing, text });
              setWriting(null);
              setSent(true);
            }}
            onCancel={() => setWriting(null)}
          />
        ) : (
          open &&
          onRespond !== undefined && (
            <Group gap="xs">
              {respondButton('answer')}
              {respondButton('explanation')}
            </Group>
          )
        )}
      </Stack>
    </Paper>
  );
}

/** "Resolved by … on …: how — note", or the system's own resolution. */
function ResolutionLine({ finding }: { finding: SafetyFinding }) {
  const { t } = useTranslation();
  const formatDateTime = useDateTimeFormat({ dateStyle: 'medium', timeStyle: 'short' });
  const resolution = finding.resolution;
  if (resolution === null) return null;
  const date = formatDateTime(resolution.at);
  const head =
    resolution.by === null
      ? t('records.findings.resolvedBySystem', { date })
      : t(
          resolution.outcome === 'dismissed'
            ? 'records.findings.dismissedBy'
            : 'records.findings.resolvedBy',
          { name: resolution.by.name, date },
        );
  const how =
    resolution.method === null || resolution.by === null
      ? ''
      : ` (${t(`records.findings.method.${resolution.method}`, { defaultValue: resolution.method })})`;
  const note = resolution.note === null || resolution.note === '' ? '' : ` — ${resolution.note}`;
  return (
    <Text size="sm" c="dimmed" style={{ whiteSpace: 'pre-wrap' }}>
      {head}
      {how}
      {note}
    </Text>
  );
}

function Trail({ finding }: { finding: SafetyFinding }) {
  const { t } = useTranslation();
  const formatDateTime = useDateTimeFormat({ dateStyle: 'medium', timeStyle: 'short' });
  const listId = useId();
  const [open, setOpen] = useState(false);
  const trail = finding.trail;
  if (trail === null || trail.length === 0) return null;
  return (
    <Stack gap={4}>
      <Button
        variant="subtle"
        size="compact-xs"
        w="fit-content"
        aria-expanded={open}
        aria-controls={listId}
        onClick={() => setOpen((shown) => !shown)}
      >
        {open
          ? t('records.findings.hideTrail')
          : t('records.findings.showTrail', { count: trail.length })}
      </Button>
      <Collapse expanded={open} id={listId}>
        <List size="sm" spacing={2}>
          {trail.map((step, index) => {
            const forPatient = step.response?.onBehalfOf ?? null;
            const writer =
              step.by === null
                ? t('records.findings.bySystem')
                : forPatient === null
                  ? step.by.name
                  : t('records.findings.response.forPatient', {
                      name: step.by.name,
                      patient: forPatient.name,
                    });
            return (
              <List.Item key={`${step.at}-${String(index)}`}>
                {[
                  formatDateTime(step.at),
                  t(`records.findings.trailAction.${step.action}`, { defaultValue: step.action }),
                  writer,
                  step.method === null
                    ? null
                    : t(`records.findings.method.${step.method}`, { defaultValue: step.method }),
                  step.response === null
                    ? null
                    : t(`records.findings.response.kind.${step.response.kind}`),
                  step.note,
                ]
                  .filter((part) => part !== null && part !== '')
                  .join(' · ')}
              </List.Item>
            );
          })}
        </List>
      </Collapse>
    </Stack>
  );
}

function StaffFinding({
  finding,
  props,
}: {
  finding: SafetyFinding;
  props: StaffFindingsPanelProps;
}) {
  const { t } = useTranslation();
  const [acting, setActing] = useState<'resolve' | 'dismiss' | null>(null);
  const open = finding.state === 'open';
  return (
    <Paper withBorder p="sm" component="li">
      <Stack gap={6}>
        <Group gap="xs" wrap="wrap">
          <Badge color={severityColour[finding.severity]} variant="light">
            {t(`records.findings.severity.${finding.severity}`)}
          </Badge>
          {!open && (
            <Badge color="gray" variant="light">
              {t(`records.findings.state.${finding.state}`)}
            </Badge>
          )}
          <Text size="xs" ff="monospace" c="dimmed">
            {finding.rule}
          </Text>
        </Group>
        <Text style={{ whiteSpace: 'pre-wrap' }}>{finding.staffText ?? finding.patientText}</Text>
        <Evidence finding={finding} onOpenDocument={props.onOpenDocument} />
        <PatientResponse finding={finding} audience="staff" />
        <ResolutionLine finding={finding} />
        <Trail finding={finding} />
        {open &&
          acting === null &&
          props.onResolve !== undefined &&
          props.onDismiss !== undefined && (
            <Group gap="xs">
              <Button size="compact-sm" onClick={() => setActing('resolve')}>
                {t('records.findings.resolve')}
              </Button>
              <Button size="compact-sm" variant="default" onClick={() => setActing('dismiss')}>
                {t('records.findings.dismiss')}
              </Button>
            </Group>
          )}
        {open && acting === 'resolve' && (
          <DecisionForm
            label={t('records.findings.resolveNote')}
            minLength={0}
            choice={{
              label: t('records.findings.resolveHow'),
              options: resolutionMethods.map((method) => ({
                value: method,
                label: t(`records.findings.method.${method}`),
              })),
              // Once the patient side has responded, verifying it is the usual way to close it.
              initial: finding.patientResponse === null ? null : 'answered',
            }}
            submitLabel={t('records.findings.resolve')}
            onSubmit={async (note, method) => {
              const chosen = resolutionMethods.find((candidate) => candidate === method);
              if (chosen === undefined) return;
              await props.onResolve?.(finding, { method: chosen, note: note === '' ? null : note });
              setActing(null);
            }}
            onCancel={() => setActing(null)}
          />
        )}
        {open && acting === 'dismiss' && (
          <DecisionForm
            label={t('records.findings.dismissReason')}
            description={t('records.findings.dismissHint')}
            minLength={minReasonLength}
            submitLabel={t('records.findings.dismiss')}
            onSubmit={async (reason) => {
              await props.onDismiss?.(finding, reason);
              setActing(null);
            }}
            onCancel={() => setActing(null)}
          />
        )}
      </Stack>
    </Paper>
  );
}

function SeverityCounts({ findings }: { findings: readonly SafetyFinding[] }) {
  const { t } = useTranslation();
  return (
    <Group gap="xs" wrap="wrap">
      {(['blocker', 'warning', 'info'] as const).map((severity) => {
        const count = findings.filter((finding) => finding.severity === severity).length;
        return (
          <Badge
            key={severity}
            color={severityColour[severity]}
            variant={count > 0 ? 'light' : 'outline'}
            size="lg"
          >
            {t(`records.findings.count.${severity}`, { count })}
          </Badge>
        );
      })}
    </Group>
  );
}

const listStyle = { listStyle: 'none' } as const;

export function FindingsPanel(props: FindingsPanelProps) {
  const { t } = useTranslation();
  const headingId = useId();
  const closedId = useId();
  const [showClosed, setShowClosed] = useState(false);
  const { findings, audience } = props;
  const open = findings.filter((finding) => finding.state === 'open').sort(bySeverity);
  const closed = findings.filter((finding) => finding.state !== 'open').sort(bySeverity);
  const render = (finding: SafetyFinding): ReactNode =>
    props.audience === 'patient' ? (
      <PatientFinding key={finding.id} finding={finding} props={props} />
    ) : (
      <StaffFinding key={finding.id} finding={finding} props={props} />
    );

  return (
    <Stack gap="sm" component="section" aria-labelledby={headingId}>
      <Title order={3} size="h4" id={headingId}>
        {audience === 'patient'
          ? t('records.findings.patientTitle')
          : t('records.findings.staffTitle')}
      </Title>
      {audience === 'staff' && <SeverityCounts findings={open} />}
      {open.length === 0 ? (
        <Text c="dimmed">
          {audience === 'patient'
            ? t('records.findings.patientNothing')
            : t('records.findings.staffNothing')}
        </Text>
      ) : (
        <Stack gap="xs" component="ul" m={0} p={0} style={listStyle}>
          {open.map(render)}
        </Stack>
      )}
      {closed.length > 0 && (
        <Stack gap="xs">
          <Button
            variant="subtle"
            size="compact-sm"
            w="fit-content"
            aria-expanded={showClosed}
            aria-controls={closedId}
            onClick={() => setShowClosed((shown) => !shown)}
          >
            {showClosed
              ? t('records.findings.hideClosed')
              : t(
                  audience === 'patient'
                    ? 'records.findings.showDone'
                    : 'records.findings.showClosed',
                  { count: closed.length },
                )}
          </Button>
          <Collapse expanded={showClosed} id={closedId}>
            <Stack gap="xs" component="ul" m={0} p={0} style={listStyle}>
              {audience === 'patient'
                ? closed.map((finding) => (
                    <Paper withBorder p="sm" component="li" key={finding.id}>
                      <Group gap="xs" wrap="nowrap" align="flex-start">
                        <Badge color="green" variant="light">
                          {t('records.findings.done')}
                        </Badge>
                        <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
                          {finding.patientText}
                        </Text>
                      </Group>
                    </Paper>
                  ))
                : closed.map(render)}
            </Stack>
          </Collapse>
        </Stack>
      )}
    </Stack>
  );
}
