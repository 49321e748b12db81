/**
 * `npm start` without OPERATOR_TOKEN: instead of leaving the operator API (and the command
 * center) off, create once a random token in <DATA_DIR>/operator-token (mode 0600) and use it.
 * The token itself is never printed or logged; the operator reads the file.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export const OPERATOR_TOKEN_FILE = 'operator-token';

/** The token in `dataDir`/operator-token, created (32 random bytes, base64url) if absent or unusable. */
export function ensureOperatorTokenFile(dataDir: string): { token: string; file: string; created: boolean } {
  const file = path.join(dataDir, OPERATOR_TOKEN_FILE);
  try {
    const existing = fs.readFileSync(file, 'utf8').trim();
    if (existing.length >= 24) {
      fs.chmodSync(file, 0o600);
      return { token: existing, file, created: false };
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  fs.mkdirSync(dataDir, { recursive: true });
  const token = randomBytes(32).toString('base64url');
  // Write a sibling then rename: a crash never leaves a half-written token.
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${token}\n`, { mode: 0o600 });
  fs.renameSync(tmp, file);
  return { token, file, created: true };
}
