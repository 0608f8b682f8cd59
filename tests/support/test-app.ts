/**
 * Boots the real Consilium (composition root, real PostgreSQL database of its own, real SMTP
 * sink, controllable clock) for one test file, and gives tests an HTTP client with a cookie jar
 * and the CSRF header, over Fastify's inject.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';
import { startConsilium, type Consilium } from '../../src/server/app/app.ts';
import { loadConfig } from '../../src/server/config/config.ts';
import { ControllableClock } from '../../src/server/platform/clock.ts';
import { startSmtpSink, type SmtpSink } from './smtp-sink.ts';

export interface TestApp {
  app: Consilium;
  clock: ControllableClock;
  smtp: SmtpSink;
  databaseUrl: string;
  dataDir: string;
  client(): TestClient;
  close(): Promise<void>;
}

export interface TestResponse<T = unknown> {
  status: number;
  body: T;
  text: string;
  headers: Record<string, string | string[] | undefined>;
}

/** Create an empty database in the run's PostgreSQL and return its URL. */
export async function createTestDatabase(): Promise<string> {
  const adminUrl = inject('adminDatabaseUrl');
  const name = `test_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function startTestApp(overrides: Record<string, string> = {}): Promise<TestApp> {
  const smtp = await startSmtpSink();
  const databaseUrl = await createTestDatabase();
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'consilium-test-data-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    CONSILIUM_DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl,
    PUBLIC_URL: 'http://localhost:3000',
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(smtp.port),
    LOG_LEVEL: 'silent',
    CONSILIUM_SEED_DEMO: 'false',
    CONSILIUM_TEST_CLOCK: 'true',
    AUTH_RATE_LIMIT_PER_MINUTE: '100000',
    ...overrides,
  });
  const clock = new ControllableClock();
  // A stand-in for the built web app: the HTTP edge's serving of it is under test, not Vite's
  // output (the browser journeys use the real build).
  const webRoot = path.join(dataDir, 'web');
  await fs.mkdir(webRoot);
  await fs.writeFile(
    path.join(webRoot, 'index.html'),
    '<!doctype html><html lang="en"><head><title>Consilium</title><script type="module" src="/assets/app.js"></script></head><body><div id="root"></div></body></html>',
  );
  const app = await startConsilium({ config, clock, listen: false, webRoot });
  return {
    app,
    clock,
    smtp,
    databaseUrl,
    dataDir,
    client: () => new TestClient(app),
    async close() {
      await app.close();
      await smtp.close();
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A browser-like client: keeps cookies, sends the CSRF header on unsafe methods. */
export class TestClient {
  readonly cookies = new Map<string, string>();
  private readonly app: Consilium;

  constructor(app: Consilium) {
    this.app = app;
  }

  private remember(setCookie: string | string[] | undefined) {
    for (const line of [setCookie ?? []].flat()) {
      const [pair, ...attributes] = line.split(';');
      const index = pair?.indexOf('=') ?? -1;
      if (pair === undefined || index < 0) continue;
      const name = pair.slice(0, index).trim();
      const value = pair.slice(index + 1).trim();
      const expired =
        attributes.some((attribute) => /expires=thu, 01 jan 1970/i.test(attribute.trim())) ||
        value === '';
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  async request<T = any>(
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    url: string,
    body?: unknown,
    options: { headers?: Record<string, string>; rawBody?: string } = {},
  ): Promise<TestResponse<T>> {
    if (method !== 'GET' && !this.cookies.has('consilium_csrf')) {
      const csrf = await this.app.http.inject({ method: 'GET', url: '/api/v1/auth/csrf' });
      this.remember(csrf.headers['set-cookie']);
    }
    const headers: Record<string, string> = { ...options.headers };
    if (this.cookies.size > 0)
      headers.cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    if (method !== 'GET' && headers['x-csrf-token'] === undefined)
      headers['x-csrf-token'] = this.cookies.get('consilium_csrf') ?? '';
    let payload: string | undefined = options.rawBody;
    if (payload === undefined && body !== undefined) {
      payload = JSON.stringify(body);
      headers['content-type'] ??= 'application/json';
    }
    const response = await this.app.http.inject({
      method,
      url,
      headers,
      ...(payload === undefined ? {} : { payload }),
    });
    this.remember(response.headers['set-cookie']);
    let parsed: unknown;
    try {
      parsed = response.body === '' ? undefined : JSON.parse(response.body);
    } catch {
      parsed = undefined;
    }
    return {
      status: response.statusCode,
      body: parsed as T,
      text: response.body,
      headers: response.headers as TestResponse['headers'],
    };
  }

  get<T = any>(url: string) {
    return this.request<T>('GET', url);
  }

  post<T = any>(url: string, body: unknown = {}) {
    return this.request<T>('POST', url, body);
  }

  patch<T = any>(url: string, body: unknown = {}) {
    return this.request<T>('PATCH', url, body);
  }
}
