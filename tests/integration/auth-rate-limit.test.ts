import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/test-app.ts';

let testApp: TestApp;
beforeAll(async () => {
  testApp = await startTestApp({ AUTH_RATE_LIMIT_PER_MINUTE: '3' });
});
afterAll(async () => {
  await testApp.close();
});

describe('authentication throttle per client address', () => {
  it('answers 429 rate_limited past the limit, and lets attempts through again a minute later', async () => {
    const client = testApp.client();
    const attempt = () =>
      client.post('/api/v1/auth/sign-in', {
        email: `nobody-${Math.random()}@example.test`,
        password: 'wrong-password-123',
      });
    for (let index = 0; index < 3; index += 1) expect((await attempt()).status).toBe(401);
    const refused = await attempt();
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({
      error: {
        code: 'rate_limited',
        message: 'Too many requests. Slow down and try again shortly.',
        details: { retryAfterSeconds: expect.any(Number) },
      },
    });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    // Reads are not throttled.
    expect((await client.get('/api/v1/auth/csrf')).status).toBe(200);
    testApp.clock.advance(61_000);
    expect((await attempt()).status).toBe(401);
  });
});
