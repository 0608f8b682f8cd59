/**
 * The audit report API, as a table of routes.
 */
import { z } from 'zod';
import { auditEventTypeNames } from '../../core/audit.ts';
import type { Services } from '../app/services.ts';
import { defineRoute, type RouteDefinition } from '../http/route.ts';
import { exportAuditReport, viewAuditReport } from './audit-report.ts';

const tags = ['audit'];

const filters = z.strictObject({
  actor: z.string().trim().min(1).max(254).optional(),
  patientId: z.uuid().optional(),
  eventType: z.enum(auditEventTypeNames as [string, ...string[]]).optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  sort: z.enum(['occurredAt', '-occurredAt', 'eventType', '-eventType']).default('-occurredAt'),
  cursor: z.string().max(500).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

const person = z
  .object({ id: z.uuid(), name: z.string(), email: z.string() })
  .meta({ id: 'AuditPerson' })
  .nullable();

export function auditRoutes(services: Services): RouteDefinition[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/api/v1/audit/events',
      summary: "The organization's audit events, filtered and sorted",
      tags,
      access: { kind: 'member', action: 'audit.read' },
      query: filters,
      responses: {
        200: z.object({
          events: z.array(
            z
              .object({
                seq: z.number().int(),
                occurredAt: z.string(),
                actor: person,
                onBehalfOf: person,
                patientId: z.string().nullable(),
                eventType: z.string(),
                action: z.string(),
                outcome: z.string(),
                entityType: z.string().nullable(),
                entityId: z.string().nullable(),
                ipAddress: z.string().nullable(),
                details: z.record(z.string(), z.unknown()),
              })
              .meta({ id: 'AuditEvent' }),
          ),
          nextCursor: z.string().nullable(),
        }),
      },
      handler: async ({ query, context }) => viewAuditReport(services, context, query),
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/audit/events.csv',
      summary: 'The same selection as CSV',
      tags,
      access: { kind: 'member', action: 'audit.read' },
      query: filters,
      responses: { 200: z.string() },
      produces: 'text/csv',
      handler: async ({ query, context, reply }) => {
        const csv = await exportAuditReport(services, context, query);
        return reply
          .header('content-type', 'text/csv; charset=utf-8')
          .header('content-disposition', 'attachment; filename="consilium-audit.csv"')
          .send(csv);
      },
    }),
  ];
}
