/**
 * The ordered, forward-only list of migrations. A released migration is never edited: add a new
 * one. Names sort in the order they apply.
 */
import type { Migration } from 'kysely/migration';
import * as foundation from './0001-foundation.ts';
import * as cases from './0002-cases.ts';
import * as reviewAndOpinion from './0003-review-and-opinion.ts';
import * as auditQueue from './0004-audit-queue.ts';
import * as encryptionKeys from './0005-encryption-keys.ts';
import * as records from './0006-records.ts';
import * as recordsCheckInput from './0007-records-check-input.ts';
import * as auditQueuePlans from './0008-audit-queue-plans.ts';

export const migrations: Record<string, Migration> = {
  '0001-foundation': foundation,
  '0002-cases': cases,
  '0003-review-and-opinion': reviewAndOpinion,
  '0004-audit-queue': auditQueue,
  '0005-encryption-keys': encryptionKeys,
  '0006-records': records,
  '0007-records-check-input': recordsCheckInput,
  '0008-audit-queue-plans': auditQueuePlans,
};
