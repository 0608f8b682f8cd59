/**
 * The import-boundary check run in CI: `src/core` is pure domain (imports neither `src/server` nor
 * `src/web`, and no module that does I/O), and `src/web` talks to the server only over HTTP (it
 * never imports `src/server`). Exits 1 listing every violation.
 */
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const root = path.resolve(import.meta.dirname, '..');

/** Packages core may import: pure libraries only. */
const coreAllowedPackages = new Set(['zod']);

interface Violation {
  file: string;
  specifier: string;
  reason: string;
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return /\.(ts|tsx)$/.test(entry.name) ? [full] : [];
  });
}

function importsOf(file: string): string[] {
  const info = ts.preProcessFile(fs.readFileSync(file, 'utf8'), true, true);
  return info.importedFiles.map((imported) => imported.fileName);
}

function layerOf(rootDir: string, absolute: string): 'core' | 'server' | 'web' | 'other' {
  const relative = path.relative(path.join(rootDir, 'src'), absolute);
  const top = relative.split(path.sep)[0];
  return top === 'core' || top === 'server' || top === 'web' ? top : 'other';
}

export function findViolations(rootDir: string = root): Violation[] {
  const violations: Violation[] = [];
  for (const layer of ['core', 'web'] as const) {
    for (const file of sourceFiles(path.join(rootDir, 'src', layer))) {
      for (const specifier of importsOf(file)) {
        const relativeFile = path.relative(rootDir, file);
        if (specifier.startsWith('.')) {
          const target = layerOf(rootDir, path.resolve(path.dirname(file), specifier));
          if (layer === 'core' && target !== 'core') {
            violations.push({
              file: relativeFile,
              specifier,
              reason: `core may not import ${target}`,
            });
          }
          if (layer === 'web' && target === 'server') {
            violations.push({
              file: relativeFile,
              specifier,
              reason: 'web talks to the server over HTTP only',
            });
          }
          continue;
        }
        // Tests beside core modules may use the test libraries; the modules themselves may not.
        if (layer === 'core' && !file.endsWith('.test.ts')) {
          const packageName = specifier.startsWith('@')
            ? specifier.split('/').slice(0, 2).join('/')
            : (specifier.split('/')[0] ?? specifier);
          if (!coreAllowedPackages.has(packageName)) {
            violations.push({
              file: relativeFile,
              specifier,
              reason: 'core is pure: no I/O modules or unvetted packages',
            });
          }
        }
      }
    }
  }
  return violations;
}

if (import.meta.main) {
  const violations = findViolations();
  if (violations.length === 0) {
    console.log('Import boundaries hold: core is pure, web does not import server.');
  } else {
    for (const violation of violations)
      console.error(`${violation.file}: imports "${violation.specifier}" — ${violation.reason}`);
    console.error(`${violations.length} boundary violation(s).`);
    process.exit(1);
  }
}
