/**
 * Authentication and authorisation middleware. Credentials: `Authorization: Bearer <api key
 * or access token>` or `X-API-Key: <api key>`. Every refusal is audited with its reason.
 *   401 UNAUTHENTICATED / INVALID_CREDENTIALS / TOKEN_EXPIRED / CREDENTIALS_REVOKED
 *   403 IP_NOT_ALLOWED / INSUFFICIENT_SCOPE
 */
import { isLoopbackHost } from '../config';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { findClientByApiKey, findClientByName, type ApiClientRow } from '../db/apiClients';
import { writeAudit } from '../db/audit';
import type { PrismaClient } from '../db/client';
import type { Logger } from '../logger';
import { caller, LOCAL_CLIENT, type CallerClient } from './clientContext';
import { ApiError, requestIdOf } from './errors';
import { ipAllowed } from './ipAllow';
import { TokenError, type TokenService } from './tokens';

export interface AuthDeps {
  prisma: PrismaClient;
  logger: Logger;
  mode: 'open' | 'required';
  tokens: TokenService;
}

/** The presented credential, or null when the request carries none. */
export function presentedCredential(req: Request): string | null {
  const h = req.header('authorization');
  if (h) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
    if (!m) throw new ApiError(401, 'INVALID_CREDENTIALS', 'Authorization must be "Bearer <api key or access token>"', undefined, { 'WWW-Authenticate': 'Bearer' });
    return m[1]!;
  }
  return req.header('x-api-key') ?? null;
}

export function authenticate({ prisma, logger, mode, tokens }: AuthDeps): RequestHandler {
  const deny = async (req: Request, res: Response, err: ApiError, actor = 'anonymous') => {
    await writeAudit(
      prisma,
      {
        actor,
        action: err.status === 401 ? 'AUTH_DENIED' : 'ACCESS_DENIED',
        target: req.path,
        outcome: 'DENIED',
        detail: { code: err.code, ip: req.ip, method: req.method, request_id: requestIdOf(res) },
      },
      (e) => logger.error('audit write failed', { err: e }),
    );
    return err;
  };
  const unauthorized = (code: string, message: string) => new ApiError(401, code, message, undefined, { 'WWW-Authenticate': 'Bearer' });

  return async (req: Request, res: Response, next: NextFunction) => {
    let presented: string | null;
    try {
      presented = presentedCredential(req);
    } catch (err) {
      return next(await deny(req, res, err as ApiError));
    }
    if (!presented) {
      // Open mode (loopback development): only a direct loopback peer, never a proxied request.
      if (mode === 'open' && isLoopbackHost(req.socket.remoteAddress ?? '') && !req.headers['x-forwarded-for']) {
        res.locals.client = LOCAL_CLIENT;
        return next();
      }
      return next(await deny(req, res, unauthorized('UNAUTHENTICATED', 'credentials required: Authorization: Bearer <api key or access token>, or X-API-Key')));
    }
    let row: ApiClientRow | null;
    let scopes: string[] | undefined;
    if (presented.startsWith('auk_')) {
      row = await findClientByApiKey(prisma, presented);
      if (!row) return next(await deny(req, res, unauthorized('INVALID_CREDENTIALS', 'unknown or invalid API key')));
    } else {
      try {
        const claims = await tokens.verify(presented);
        row = await findClientByName(prisma, claims.sub);
        // A token from an older credential generation (client re-issued) is dead too.
        if (row && row.clientId !== claims.cid) row = { ...row, revokedAt: row.revokedAt ?? new Date(0) };
        scopes = claims.scope.split(' ');
      } catch (err) {
        if (err instanceof TokenError) return next(await deny(req, res, unauthorized(err.code, err.message)));
        throw err;
      }
      if (!row) return next(await deny(req, res, unauthorized('INVALID_CREDENTIALS', 'invalid access token')));
    }
    if (row.revokedAt) return next(await deny(req, res, unauthorized('CREDENTIALS_REVOKED', 'these credentials have been revoked'), row.name));
    if (!ipAllowed(req.ip, row.allowIps))
      return next(await deny(req, res, new ApiError(403, 'IP_NOT_ALLOWED', `requests from ${req.ip ?? 'unknown address'} are not allowed for this client`), row.name));
    const client: CallerClient = {
      name: row.name,
      strategies: row.strategies,
      // A token carries the scopes granted at issue time, never more than the client has now.
      scopes: scopes ? scopes.filter((s) => row.scopes.includes(s)) : row.scopes,
      rateLimitPerMinute: row.rateLimitPerMinute,
    };
    res.locals.client = client;
    next();
  };
}

/** 403 INSUFFICIENT_SCOPE unless the caller holds `scope`. */
export function requireScope(scope: 'trade' | 'read' | 'data', prisma: PrismaClient): RequestHandler {
  return async (req, res, next) => {
    const client = caller(res);
    if (client.scopes.includes(scope)) return next();
    await writeAudit(prisma, { actor: client.name, action: 'ACCESS_DENIED', target: req.path, outcome: 'DENIED', detail: { code: 'INSUFFICIENT_SCOPE', scope, ip: req.ip } });
    next(new ApiError(403, 'INSUFFICIENT_SCOPE', `this operation needs the "${scope}" scope`));
  };
}
