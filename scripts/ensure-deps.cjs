#!/usr/bin/env node
// Runs before `npm start` and `npm test` (prestart/pretest): installs what a fresh clone
// lacks, so each README command works alone. npm 11 skips dependencies' install scripts,
// so the Prisma client is generated here (and in our own postinstall).
'use strict';
const { execSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const run = (cmd) => execSync(cmd, { cwd: root, stdio: 'inherit' });
const has = (p) => fs.existsSync(path.join(root, p));

if (!has('node_modules/.bin/tsx') || !has('node_modules/@temporalio/worker')) {
  console.error('[deps] node_modules missing: running npm ci ...');
  run('npm ci --no-audit --no-fund');
}
if (!has('node_modules/.prisma/client/index.js')) {
  console.error('[deps] generating the Prisma client ...');
  run('npx prisma generate');
}
// The Temporal CLI (dev server + Web UI): found, or built once into ~/.cache/all-use.
run('node_modules/.bin/tsx temporal/ensureCli.ts');
