/**
 * Runs one of the project's CLIs from a test, asynchronously: the test process also hosts the
 * shared system's worker and API, and a spawnSync would block their event loop for the seconds a
 * CLI takes to start (seen in CI: a sweep's workflow task held 77 s, and a CLI that needs the
 * worker waits on a worker that cannot run). Bounded by `timeoutMs`.
 */
import { spawn } from 'node:child_process';

export interface CliResult {
  /** exit code; null when killed (timeout) */
  status: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(cmd: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ status: code, stdout, stderr });
    });
  });
}
