/**
 * Development-only helpers, registered only when NODE_ENV says so:
 * - the development mailbox (/dev/mailbox): the outbox as a page, so a newcomer without SMTP can
 *   follow verification and invitation links (development only);
 * - the controllable clock (POST /api/test/clock): moves server time forward in browser tests
 *   (NODE_ENV=test with CONSILIUM_TEST_CLOCK=true only).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Services } from '../app/services.ts';
import { AppError } from '../../core/errors.ts';
import { ControllableClock } from '../platform/clock.ts';

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

export function registerDevMailbox(app: FastifyInstance, services: Services): void {
  app.get('/dev/mailbox', { schema: { hide: true } }, async (_request, reply) => {
    const messages = await services.db
      .selectFrom('mail_outbox')
      .select(['to_address', 'subject', 'text_body', 'created_at'])
      .orderBy('created_at', 'desc')
      .limit(50)
      .execute();
    const items = messages
      .map((message) => {
        const body = escapeHtml(message.text_body).replace(
          /(https?:\/\/[^\s<]+)/g,
          (url) => `<a href="${url}">${url}</a>`,
        );
        return `<article><h2>${escapeHtml(message.subject)}</h2><p>To ${escapeHtml(message.to_address)} · ${message.created_at.toISOString()}</p><pre>${body}</pre></article>`;
      })
      .join('');
    return reply
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .send(
        `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Development mailbox — Consilium</title></head><body><h1>Development mailbox</h1><p>Emails Consilium sent, newest first. Available in development only.</p>${items || '<p>No emails yet.</p>'}</body></html>`,
      );
  });
}

export function registerTestClock(app: FastifyInstance, services: Services): void {
  const clock = services.clock;
  if (!(clock instanceof ControllableClock)) return;
  const body = z.strictObject({
    advanceMinutes: z
      .number()
      .min(0)
      .max(60 * 24 * 30),
  });
  app.post('/api/test/clock', { schema: { hide: true } }, async (request) => {
    const parsed = body.safeParse(request.body);
    if (!parsed.success) throw new AppError('validation_failed');
    clock.advance(parsed.data.advanceMinutes * 60_000);
    return { now: clock.now().toISOString() };
  });
}
