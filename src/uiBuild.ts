/**
 * The command center's build for `npm start`: rebuild ui/dist when it is missing or older than
 * any source under ui/ (a stat walk of a few dozen files), with Vite in a child process.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

// From src (tsx) or dist/src (compiled): the first candidate with the UI's sources.
const candidates = [path.resolve(__dirname, '..', 'ui'), path.resolve(__dirname, '..', '..', 'ui')];
export const UI_ROOT = candidates.find((d) => fs.existsSync(path.join(d, 'index.html'))) ?? candidates[0]!;

function newestMtime(p: string): number {
  const st = fs.statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let m = 0;
  for (const e of fs.readdirSync(p)) {
    if (e === 'dist' || e === 'node_modules') continue;
    m = Math.max(m, newestMtime(path.join(p, e)));
  }
  return m;
}

/** Why the UI needs a build ('missing' | 'stale'), or null when ui/dist is current. */
export function uiBuildNeeded(root = UI_ROOT): 'missing' | 'stale' | null {
  const index = path.join(root, 'dist', 'index.html');
  if (!fs.existsSync(index)) return 'missing';
  return newestMtime(root) > fs.statSync(index).mtimeMs ? 'stale' : null;
}

/** Runs `vite build` for ui/ (bounded: 5 minutes); rejects with Vite's last output lines on failure. */
export function buildUi(root = UI_ROOT, timeoutMs = 300_000): Promise<void> {
  const vite = path.resolve(root, '..', 'node_modules', 'vite', 'bin', 'vite.js');
  if (!fs.existsSync(vite)) return Promise.reject(new Error('vite is not installed (run `npm ci`)'));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [vite, 'build', '--config', path.join(root, 'vite.config.mts'), '--logLevel', 'warn'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const keep = (b: Buffer) => (out = (out + b.toString()).slice(-4000));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => (clearTimeout(timer), reject(err)));
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`vite build failed (${signal ?? code}): ${out.trim().split('\n').slice(-8).join('\n')}`));
    });
  });
}

/** Builds when needed; reports through `progress`. A failed build is reported, not fatal: the API still starts. */
export async function ensureUiBuilt(progress: (line: string) => void, root = UI_ROOT): Promise<boolean> {
  const need = uiBuildNeeded(root);
  if (!need) return true;
  progress(`building the command center (ui/dist ${need === 'missing' ? 'is missing' : 'is older than ui/ sources'})...`);
  const t0 = Date.now();
  try {
    await buildUi(root);
    progress(`command center built in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    return true;
  } catch (err) {
    progress(`command center NOT built: ${(err as Error).message}`);
    return false;
  }
}
