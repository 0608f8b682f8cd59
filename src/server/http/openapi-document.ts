/**
 * The OpenAPI 3.1 document of the API, built from the route tables without a database, for the
 * checked-in copy (docs/openapi.json) and the generated web client.
 */
import pino from 'pino';
import { allRoutes } from '../app/app.ts';
import type { Services } from '../app/services.ts';
import { loadConfig } from '../config/config.ts';
import { createHttpServer } from './http-server.ts';

export async function buildOpenApiDocument(): Promise<unknown> {
  const config = loadConfig({ NODE_ENV: 'production', PUBLIC_URL: 'http://localhost:3000' });
  // Handlers never run here: the document needs the route tables' schemas only.
  const services = { config, logger: pino({ level: 'silent' }) } as unknown as Services;
  const app = await createHttpServer(services, {
    routes: allRoutes(services),
    readiness: () => Promise.resolve({ ready: true, checks: {} }),
  });
  await app.ready();
  const document = app.swagger();
  await app.close();
  return document;
}
