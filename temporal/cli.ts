/**
 * Finds the Temporal CLI (dev server + Web UI in one binary): TEMPORAL_CLI_PATH, then
 * `temporal` on the PATH, then a build cached outside the repo. When none exists it is
 * built once from the Go module proxy with the Go toolchain (~2.5 min on two cores).
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { defaultCacheDir } from '../src/config';

export const TEMPORAL_CLI_VERSION = 'v1.5.1'; // newest release `go install` accepts (PLATFORM.md)

export function cachedCliPath(cacheDir = defaultCacheDir()): string {
  return path.join(cacheDir, 'temporal-cli', TEMPORAL_CLI_VERSION, 'temporal');
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const p = path.join(dir, name);
    if (dir && fs.existsSync(p)) return p;
  }
  return undefined;
}

/** Returns the CLI path without building, or undefined if none is available. */
export function findTemporalCli(explicit?: string): string | undefined {
  if (explicit) {
    if (!fs.existsSync(explicit)) throw new Error(`TEMPORAL_CLI_PATH=${explicit} does not exist`);
    return explicit;
  }
  return onPath('temporal') ?? (fs.existsSync(cachedCliPath()) ? cachedCliPath() : undefined);
}

/** Builds the pinned CLI into the cache with `go install`, streaming progress to `log`. */
export async function buildTemporalCli(log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<string> {
  const target = cachedCliPath();
  const gobin = path.dirname(target);
  fs.mkdirSync(gobin, { recursive: true });
  let go = 'go';
  try {
    execFileSync(go, ['version'], { stdio: 'ignore' });
  } catch {
    if (fs.existsSync('/usr/local/go/bin/go')) go = '/usr/local/go/bin/go';
    else throw new Error('the Temporal CLI is missing and no Go toolchain was found to build it: install Go, or set TEMPORAL_CLI_PATH');
  }
  log(`building Temporal CLI ${TEMPORAL_CLI_VERSION} into ${gobin} (first run only, about 2-3 minutes)...`);
  const started = Date.now();
  await new Promise<void>((resolve, reject) => {
    const child = spawn(go, ['install', '-ldflags=-s -w', `github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}`], {
      env: { ...process.env, GOBIN: gobin, GOFLAGS: '-mod=mod' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const tick = setInterval(() => log(`  ...still building (${Math.round((Date.now() - started) / 1000)} s)`), 15_000);
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    child.on('error', reject);
    child.on('exit', (code) => {
      clearInterval(tick);
      if (code === 0) resolve();
      else reject(new Error(`go install of the Temporal CLI failed (exit ${code}):\n${stderr}`));
    });
  });
  log(`Temporal CLI built in ${Math.round((Date.now() - started) / 1000)} s`);
  return target;
}

export async function ensureTemporalCli(explicit?: string, log?: (line: string) => void): Promise<string> {
  return findTemporalCli(explicit) ?? buildTemporalCli(log);
}
