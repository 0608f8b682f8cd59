import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findViolations } from '../../scripts/check-boundaries.ts';

describe('import boundaries', () => {
  it('hold for the project', () => {
    expect(findViolations()).toEqual([]);
  });

  it('catch core importing server, web or I/O, and web importing server', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'consilium-boundaries-'));
    for (const dir of ['src/core', 'src/server', 'src/web'])
      await fs.mkdir(path.join(root, dir), { recursive: true });
    await fs.writeFile(
      path.join(root, 'src/core/bad.ts'),
      "import { x } from '../server/x.ts';\nimport fs from 'node:fs';\nimport { z } from 'zod';\nexport const y = x;\n",
    );
    await fs.writeFile(
      path.join(root, 'src/web/bad.ts'),
      "import { x } from '../server/x.ts';\nimport { r } from '../core/r.ts';\n",
    );
    const violations = findViolations(root);
    expect(
      violations.map((violation) => `${violation.file} ${violation.specifier}`).sort(),
    ).toEqual([
      'src/core/bad.ts ../server/x.ts',
      'src/core/bad.ts node:fs',
      'src/web/bad.ts ../server/x.ts',
    ]);
    await fs.rm(root, { recursive: true, force: true });
  });
});
