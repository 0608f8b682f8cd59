/**
 * Where the database comes from: an external PostgreSQL (DATABASE_URL), or the embedded server
 * under the data directory. Tools (CLI commands) that run beside a live server reuse its embedded
 * database instead of starting a second one.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config/config.ts';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../db/embedded-postgres.ts';
import {
  acquireInstanceLock,
  InstanceLockedError,
  type InstanceLock,
} from '../platform/instance-lock.ts';

export interface DatabaseRuntime {
  url: string;
  embedded: boolean;
  close(): Promise<void>;
}

const runtimeFile = (dataDir: string) => path.join(dataDir, 'db-runtime.json');

function embeddedLog(logger: Logger) {
  return (level: 'info' | 'warn' | 'debug', message: string) => logger[level](message);
}

/** For the server: take the instance lock, then start the embedded database if needed. */
export async function startDatabaseRuntime(
  config: Config,
  logger: Logger,
): Promise<DatabaseRuntime> {
  const lock = await acquireInstanceLock(config.dataDir);
  if (config.database.url !== undefined) {
    return { url: config.database.url, embedded: false, close: () => lock.release() };
  }
  let server: EmbeddedPostgres;
  try {
    server = await startEmbeddedPostgres({
      dataDir: config.dataDir,
      port: config.database.embeddedPort,
      log: embeddedLog(logger),
    });
  } catch (error) {
    await lock.release();
    throw error;
  }
  await fs.writeFile(
    runtimeFile(config.dataDir),
    JSON.stringify({ url: server.url, pid: process.pid }),
    { mode: 0o600 },
  );
  return {
    url: server.url,
    embedded: true,
    async close() {
      await server.stop();
      await fs.rm(runtimeFile(config.dataDir), { force: true });
      await lock.release();
    },
  };
}

/**
 * For CLI tools: the external database, or the embedded one — started for the duration of the
 * command, or borrowed from the server that already runs on this data directory.
 */
export async function openDatabaseForTool(
  config: Config,
  logger: Logger,
): Promise<DatabaseRuntime> {
  if (config.database.url !== undefined) {
    return { url: config.database.url, embedded: false, close: () => Promise.resolve() };
  }
  try {
    return await startDatabaseRuntime(config, logger);
  } catch (error) {
    if (!(error instanceof InstanceLockedError)) throw error;
    const running = JSON.parse(await fs.readFile(runtimeFile(config.dataDir), 'utf8')) as {
      url: string;
    };
    return { url: running.url, embedded: true, close: () => Promise.resolve() };
  }
}

export type { InstanceLock };
