/**
 * `npm start`'s local STAR-LAB credential: authentication is required on every bind, so the
 * first start issues one API key for the client `local` (every strategy, every scope) and an
 * operator token (for /metrics, /readyz details and the operator API when OPERATOR_TOKEN is
 * unset), and keeps them in `<dataDir>/local-credential.json`, readable by its owner only
 * (0600). Later starts reuse the file while its key still verifies against the database;
 * otherwise (another database, the client revoked) they issue a new one and rewrite it.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createApiClient, findClientByApiKey, revokeApiClient, SCOPES } from './db/apiClients';
import type { PrismaClient } from './db/client';

export const LOCAL_CLIENT_NAME = 'local';
export const LOCAL_CREDENTIAL_FILE = 'local-credential.json';

export interface LocalCredential {
  client_name: string;
  api_key: string;
  operator_token: string;
  created_at: string;
}

export const localCredentialPath = (dataDir: string): string => path.join(dataDir, LOCAL_CREDENTIAL_FILE);

function readFile(file: string): LocalCredential | null {
  try {
    const v = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<LocalCredential>;
    if (typeof v.api_key === 'string' && typeof v.operator_token === 'string' && v.operator_token.length >= 24 && typeof v.client_name === 'string') return v as LocalCredential;
  } catch {
    // missing or unreadable: issue a new one
  }
  return null;
}

/** Writes the file owner-only: created 0600, and chmod'ed in case it existed with looser bits. */
function writeFile(file: string, c: LocalCredential): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(c, null, 2)}\n`, { mode: 0o600 });
  fs.chmodSync(tmp, 0o600);
  fs.renameSync(tmp, file);
}

/** The local credential: reused when its key still verifies, else issued (once) and written. */
export async function ensureLocalCredential(prisma: PrismaClient, dataDir: string): Promise<{ credential: LocalCredential; file: string; created: boolean }> {
  const file = localCredentialPath(dataDir);
  const existing = readFile(file);
  if (existing) {
    const row = await findClientByApiKey(prisma, existing.api_key);
    if (row && !row.revokedAt) {
      if ((fs.statSync(file).mode & 0o077) !== 0) fs.chmodSync(file, 0o600);
      return { credential: existing, file, created: false };
    }
  }
  // The client exists without a usable file (deleted, or another database's): re-issue it.
  await revokeApiClient(prisma, LOCAL_CLIENT_NAME);
  const issued = await createApiClient(prisma, { name: LOCAL_CLIENT_NAME, strategies: ['*'], scopes: [...SCOPES] });
  const credential: LocalCredential = {
    client_name: LOCAL_CLIENT_NAME,
    api_key: issued.api_key,
    operator_token: existing?.operator_token ?? randomBytes(24).toString('base64url'),
    created_at: new Date().toISOString(),
  };
  writeFile(file, credential);
  return { credential, file, created: true };
}

/** The lines `npm start` prints: where the credential is and a curl that uses it. */
export function localCredentialUsage(file: string, apiUrl: string): string[] {
  return [
    `  Credential       ${file}  (owner-only; client "local", every scope)`,
    `                   export ALLUSE_KEY=$(node -p 'require("${file}").api_key')`,
    `                   curl -H "Authorization: Bearer $ALLUSE_KEY" ${apiUrl}/api/v1/starlab_interface/trading/order_status/au_…`,
  ];
}
