/**
 * Verifies the tamper-evident audit chain: recomputes every row's SHA-256 over its content and
 * the previous row's hash, and checks that sequence numbers have no gaps. Detects a changed
 * row (its hash no longer matches), a deleted row (a gap, and a broken link), and rows put out
 * of order (broken links).
 */
import { auditGenesisHash, auditHashInput, type AuditRowContent } from '../../core/audit.ts';
import type { Database } from '../db/database.ts';
import { sha256Hex } from '../platform/secrets.ts';
import { readAuditChain, type StoredAuditRow } from './audit-repository.ts';

export type AuditProblemKind = 'content_changed' | 'chain_broken' | 'sequence_gap';

export interface AuditProblem {
  seq: number;
  kind: AuditProblemKind;
  message: string;
}

export interface AuditVerification {
  ok: boolean;
  checked: number;
  problems: AuditProblem[];
}

function contentOf(row: StoredAuditRow): AuditRowContent {
  return {
    seq: row.seq,
    occurredAt: row.occurred_at.toISOString(),
    organizationId: row.organization_id,
    actorUserId: row.actor_user_id,
    onBehalfOfUserId: row.on_behalf_of_user_id,
    patientId: row.patient_id,
    eventType: row.event_type,
    action: row.action,
    outcome: row.outcome,
    entityType: row.entity_type,
    entityId: row.entity_id,
    ipAddress: row.ip_address,
    userAgent: row.user_agent,
    details: row.details,
  };
}

/** Check the whole chain; stops collecting after `maxProblems`. */
export async function verifyAuditChain(
  db: Database,
  maxProblems = 100,
): Promise<AuditVerification> {
  const problems: AuditProblem[] = [];
  let checked = 0;
  let expectedSeq = 1;
  let previousHash = auditGenesisHash;
  for await (const row of readAuditChain(db)) {
    checked += 1;
    if (row.seq !== expectedSeq) {
      problems.push({
        seq: row.seq,
        kind: 'sequence_gap',
        message: `expected row ${expectedSeq} but found row ${row.seq}: rows are missing`,
      });
    }
    if (row.previous_hash !== previousHash) {
      problems.push({
        seq: row.seq,
        kind: 'chain_broken',
        message: `row ${row.seq} does not link to the row before it (deleted or reordered rows)`,
      });
    }
    const recomputed = sha256Hex(auditHashInput(row.previous_hash, contentOf(row)));
    if (recomputed !== row.hash) {
      problems.push({
        seq: row.seq,
        kind: 'content_changed',
        message: `row ${row.seq} was changed after it was written`,
      });
    }
    previousHash = row.hash;
    expectedSeq = row.seq + 1;
    if (problems.length >= maxProblems) break;
  }
  return { ok: problems.length === 0, checked, problems };
}
