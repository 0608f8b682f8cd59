/**
 * One Consilium process per data directory. A second instance pointed at the same directory
 * refuses to start; a lock left by a process that died is taken over.
 */
import fs from 'node:fs/promises';
import path from 'node:path';

export class InstanceLockedError extends Error {
  constructor(dataDir: string, pid: number) {
    super(
      `Another Consilium instance (pid ${pid}) is already using the data directory ${dataDir}. Stop it first, or point this one at another CONSILIUM_DATA_DIR.`,
    );
    this.name = 'InstanceLockedError';
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface InstanceLock {
  release(): Promise<void>;
}

/** Take the lock file `<dataDir>/consilium.pid`, or throw InstanceLockedError. */
export async function acquireInstanceLock(dataDir: string): Promise<InstanceLock> {
  await fs.mkdir(dataDir, { recursive: true });
  const lockFile = path.join(dataDir, 'consilium.pid');
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      await fs.writeFile(lockFile, `${process.pid}\n`, { flag: 'wx' });
      return {
        release: async () => {
          const owner = await fs.readFile(lockFile, 'utf8').catch(() => '');
          if (Number(owner.trim()) === process.pid) await fs.rm(lockFile, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = Number((await fs.readFile(lockFile, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) {
        throw new InstanceLockedError(dataDir, pid);
      }
      await fs.rm(lockFile, { force: true });
    }
  }
  throw new Error(`Could not take the lock ${lockFile}.`);
}
