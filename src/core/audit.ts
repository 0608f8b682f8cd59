/**
 * The audit vocabulary: every kind of audited event, with its FHIR AuditEvent action code.
 *
 * FHIR R4 AuditEvent.action: C create, R read, U update, D delete, E execute.
 * FHIR R4 AuditEvent.outcome: 0 success, 4 minor failure, 8 serious failure, 12 major failure.
 */
import { canonicalJson } from './canonical-json.ts';

export const auditEventTypes = {
  'auth.sign_up': 'C',
  'auth.email_verified': 'U',
  'auth.sign_in': 'E',
  'auth.sign_in_failed': 'E',
  'auth.mfa_challenge_passed': 'E',
  'auth.mfa_challenge_failed': 'E',
  'auth.sign_out': 'E',
  'auth.session_expired': 'E',
  'auth.account_locked': 'E',
  'auth.reauthenticated': 'E',
  'auth.password_reset_requested': 'E',
  'auth.password_reset': 'U',
  'auth.email_change_requested': 'E',
  'auth.email_changed': 'U',
  'auth.totp_enrolled': 'U',
  'auth.totp_removed': 'U',
  'auth.recovery_codes_regenerated': 'U',
  'auth.recovery_code_used': 'E',
  'auth.passkey_registered': 'U',
  'auth.passkey_removed': 'U',
  'member.invited': 'C',
  'member.invitation_accepted': 'U',
  'member.deactivated': 'U',
  'member.read': 'R',
  'patient.created': 'C',
  'patient.read': 'R',
  'patient.list': 'R',
  'patient.updated': 'U',
  'patient.referred': 'C',
  'patient.invited': 'C',
  'patient.account_linked': 'U',
  'patient.proxy_invited': 'C',
  'patient.proxy_invitation_revoked': 'U',
  'patient.proxy_granted': 'C',
  'patient.proxy_scope_changed': 'U',
  'patient.proxy_revoked': 'U',
  'patient.proxies_read': 'R',
  'case.created': 'C',
  'case.read': 'R',
  'case.listed': 'R',
  'case.updated': 'U',
  'case.transitioned': 'U',
  'case.attachment_added': 'C',
  'case.attachment_read': 'R',
  'case.attachments_listed': 'R',
  'case.attachment_removed': 'D',
  'case.patient_question_answered': 'U',
  'case.follow_up_asked': 'C',
  'case.report_receipt_confirmed': 'U',
  'case.fhir_exported': 'R',
  'record.upload_started': 'C',
  'record.upload_completed': 'U',
  'record.upload_cancelled': 'U',
  'record.upload_expired': 'U',
  'record.stored': 'C',
  'record.refused': 'E',
  'record.quarantined': 'E',
  'record.listed': 'R',
  'record.viewed': 'R',
  'record.downloaded': 'R',
  'record.described': 'U',
  'record.checked': 'E',
  'record.findings_read': 'R',
  'record.finding_decided': 'U',
  'record.finding_responded': 'U',
  'record.blockers_overridden': 'U',
  'record.release_form_generated': 'C',
  'opinion.draft_read': 'R',
  'opinion.draft_saved': 'U',
  'opinion.peer_review_requested': 'C',
  'opinion.peer_review_decided': 'U',
  'opinion.signed': 'C',
  'opinion.addendum_signed': 'C',
  'opinion.read': 'R',
  'opinion.pdf_downloaded': 'R',
  'specialist.profile_updated': 'U',
  'org.created': 'C',
  'org.settings_updated': 'U',
  'org.checklists_updated': 'U',
  'org.checklists_reset': 'D',
  'audit.report_viewed': 'R',
  'audit.report_exported': 'E',
  'system.backup_created': 'E',
  'system.restored': 'E',
} as const satisfies Record<string, AuditAction>;

export type AuditEventType = keyof typeof auditEventTypes;
export type AuditAction = 'C' | 'R' | 'U' | 'D' | 'E';
export type AuditOutcome = '0' | '4' | '8' | '12';

export const auditEventTypeNames = Object.keys(auditEventTypes) as AuditEventType[];

/** The fields of an audit row that its hash covers, in the form they are hashed. */
export interface AuditRowContent {
  seq: number;
  occurredAt: string;
  organizationId: string | null;
  actorUserId: string | null;
  onBehalfOfUserId: string | null;
  patientId: string | null;
  eventType: string;
  action: string;
  outcome: string;
  entityType: string | null;
  entityId: string | null;
  ipAddress: string | null;
  userAgent: string | null;
  details: unknown;
}

/** The genesis "previous hash" of the first row of the chain. */
export const auditGenesisHash = '0'.repeat(64);

/**
 * The exact text a row's hash is computed over: the previous row's hash and the row's content in
 * canonical JSON. The server computes SHA-256 of it; the verifier recomputes it.
 */
export function auditHashInput(previousHash: string, content: AuditRowContent): string {
  return `${previousHash}\n${canonicalJson(content)}`;
}
