/**
 * Runs one of the project's CLIs from a test, asynchronously: the test process also hosts the
 * shared system's worker and API, and a spawnSync would block their event loop for the seconds a
 * CLI takes to start (seen in CI: a sweep's workflow task held 77 s, and a CLI that needs the
 * worker waits on a worker that cannot run). Bounded by `timeoutMs`.
 */
import { spawn } from 'node:child_process';

export interface CliResult {
  /** exit code; null when a signal ended it (a timeout or abort; a CLI that handles SIGTERM may exit with its own code) */
  status: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** then the child is stopped with `killSignal`; default 120 s */
  timeoutMs?: number;
  /**
   * How the child is stopped on timeout or abort. SIGKILL (the default) for a CLI that owns no
   * process; SIGTERM for one that stops its own children when asked. A signal other than SIGKILL
   * is followed by SIGKILL after KILL_GRACE_MS, so a stop never hangs the test.
   */
  killSignal?: NodeJS.Signals;
  /** aborting stops the child as a timeout does (a test that stops a long-running CLI itself) */
  signal?: AbortSignal;
  /** each chunk of stdout and stderr as it comes (a test that waits for a line while the CLI runs) */
  onOutput?: (chunk: string) => void;
}

const KILL_GRACE_MS = 15_000;

export function runCli(cmd: string, args: string[], opts: CliOptions): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      opts.onOutput?.(d);
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      opts.onOutput?.(d);
    });
    const killSignal = opts.killSignal ?? 'SIGKILL';
    let grace: NodeJS.Timeout | undefined;
    const stop = () => {
      if (child.exitCode !== null || child.signalCode !== null || grace) return;
      child.kill(killSignal);
      if (killSignal !== 'SIGKILL') grace = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
    };
    const timer = setTimeout(stop, opts.timeoutMs ?? 120_000);
    opts.signal?.addEventListener('abort', stop, { once: true });
    if (opts.signal?.aborted) stop();
    const done = () => {
      clearTimeout(timer);
      clearTimeout(grace);
      opts.signal?.removeEventListener('abort', stop);
    };
    child.on('error', (err) => {
      done();
      reject(err);
    });
    child.on('close', (code) => {
      done();
      resolve({ status: code, stdout, stderr });
    });
  });
}
