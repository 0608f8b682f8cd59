/**
 * Password hashing with Argon2id (OWASP Password Storage Cheat Sheet: m=19 MiB, t=2, p=1) and the
 * bundled list of common passwords (from OWASP SecLists, see docs/data-sources.md).
 */
import { hash, verify } from '@node-rs/argon2';
import { readFileSync } from 'node:fs';

const argon2Options = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return hash(password, argon2Options);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

/** A hash of a random password, verified against when the account does not exist so that
 * a missing account takes as long to refuse as a wrong password. */
let decoyHash: Promise<string> | null = null;
export function decoyPasswordHash(): Promise<string> {
  decoyHash ??= hashPassword(`decoy-${Math.random()}`);
  return decoyHash;
}

/** Load the common-password list once; the returned predicate expects lower-case input. */
export function loadCommonPasswords(): (candidate: string) => boolean {
  const list = new Set(
    readFileSync(new URL('./common-passwords.txt', import.meta.url), 'utf8')
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean),
  );
  return (candidate) => list.has(candidate);
}
