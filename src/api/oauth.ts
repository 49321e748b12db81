/**
 * OAuth 2.0 client credentials (RFC 6749 §4.4): POST /api/v1/oauth/token with form fields
 * grant_type=client_credentials, client_id, client_secret (or HTTP Basic) → a short-lived
 * Bearer JWT. Errors keep the API's one error shape; codes name the OAuth error.
 */
import { Router, type Request, type Response } from 'express';
import { findClientByCredentials } from '../db/apiClients';
import { writeAudit } from '../db/audit';
import type { PrismaClient } from '../db/client';
import type { TokenResponse } from '../contracts/api';
import { ApiError, validationFailed } from './errors';
import { ipAllowed } from './ipAllow';
import type { TokenService } from './tokens';

function basicCredentials(req: Request): { id: string; secret: string } | null {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(req.header('authorization') ?? '');
  if (!m) return null;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  if (i < 0) return null;
  // RFC 6749 §2.3.1: both parts are form-urlencoded inside Basic.
  try {
    return { id: decodeURIComponent(decoded.slice(0, i)), secret: decodeURIComponent(decoded.slice(i + 1)) };
  } catch {
    return null; // malformed percent-encoding: not credentials (401), not a server error
  }
}

export function oauthRouter({ prisma, tokens }: { prisma: PrismaClient; tokens: TokenService }): Router {
  const r = Router();
  r.post('/token', async (req: Request, res: Response) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (body.grant_type !== 'client_credentials') throw validationFailed([{ field: 'grant_type', message: 'must be client_credentials (unsupported_grant_type)' }]);
    const basic = basicCredentials(req);
    const id = basic?.id ?? (typeof body.client_id === 'string' ? body.client_id : '');
    const secret = basic?.secret ?? (typeof body.client_secret === 'string' ? body.client_secret : '');
    const client = id && secret ? await findClientByCredentials(prisma, id, secret) : null;
    const denied = async (code: string, status = 401) => {
      await writeAudit(prisma, { actor: client?.name ?? 'anonymous', action: 'AUTH_DENIED', target: '/oauth/token', outcome: 'DENIED', detail: { code, client_id: id.slice(0, 40), ip: req.ip } });
      return new ApiError(
        status,
        code,
        status === 401 ? 'client authentication failed' : 'requests from this address are not allowed for this client',
        undefined,
        status === 401 ? { 'WWW-Authenticate': 'Basic realm="all-use"' } : {},
      );
    };
    if (!client) throw await denied('INVALID_CLIENT');
    if (client.revokedAt) throw await denied('CREDENTIALS_REVOKED');
    if (!ipAllowed(req.ip, client.allowIps)) throw await denied('IP_NOT_ALLOWED', 403);
    const scope = client.scopes.join(' ');
    const issued = await tokens.issue({ sub: client.name, cid: client.clientId, scope });
    await writeAudit(prisma, { actor: client.name, action: 'TOKEN_ISSUED', target: client.clientId, outcome: 'OK', detail: { ip: req.ip, expires_in: issued.expires_in } });
    res.setHeader('Cache-Control', 'no-store');
    const answer: TokenResponse = { access_token: issued.access_token, token_type: 'Bearer', expires_in: issued.expires_in, scope };
    res.json(answer);
  });
  return r;
}
