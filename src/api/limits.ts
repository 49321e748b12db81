/**
 * Request limits: per-client rate limiting (429 + Retry-After), JSON-only bodies (415).
 * Bodies over 64 KiB are refused by the body parser (413, errors.ts).
 * The rate-limit store is in memory: one API process. Several replicas would each allow
 * the limit; a shared store (e.g. PostgreSQL or Redis) is needed before scaling out.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { ipKeyGenerator, rateLimit, type Options } from 'express-rate-limit';
import { caller } from './clientContext';
import { ApiError } from './errors';

export interface RateLimitOptions {
  /** Default requests per minute per client (a client row may override it). */
  perMinute: number;
  windowMs?: number;
}

function tooMany(req: Request, what: string): ApiError {
  const reset = (req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
  const retry = Math.max(1, Math.ceil(((reset?.getTime() ?? Date.now() + 1000) - Date.now()) / 1000));
  return new ApiError(429, 'RATE_LIMITED', `${what}; retry in ${retry} s`, { retry_after_seconds: retry }, { 'Retry-After': String(retry) });
}

/** After authentication: keyed by client name, so one client cannot starve another. */
export function clientRateLimit({ perMinute, windowMs = 60_000 }: RateLimitOptions): RequestHandler {
  const scale = windowMs / 60_000;
  return rateLimit({
    windowMs,
    limit: (_req: Request, res: Response) => Math.max(1, Math.round((caller(res).rateLimitPerMinute ?? perMinute) * scale)),
    keyGenerator: (_req: Request, res: Response) => `client:${caller(res).name}`,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    validate: { keyGeneratorIpFallback: false },
    handler: (req: Request, _res: Response, next: NextFunction) => next(tooMany(req, 'rate limit exceeded for this client')),
  });
}

/** A per-minute limit keyed by client address (before authentication, so no client name yet). */
function perAddress(perMinute: number, message: string, only?: Pick<Options, 'skipSuccessfulRequests' | 'requestWasSuccessful'>): RequestHandler {
  return rateLimit({
    windowMs: 60_000,
    limit: perMinute,
    keyGenerator: (req: Request) => ipKeyGenerator(req.ip ?? 'unknown'),
    ...only,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    handler: (req: Request, _res: Response, next: NextFunction) => next(tooMany(req, message)),
  });
}

/** Before authentication, for the token endpoint: keyed by address, against secret guessing. */
export const ipRateLimit = (perMinute: number): RequestHandler => perAddress(perMinute, 'too many token requests from this address');

/**
 * Per-address ceiling on refused credentials (401/403), in front of authentication: a flood of
 * bad keys would otherwise cost a scrypt and an audit row each, without limit. Only refusals
 * count, so an accepted request costs one map lookup and a finish listener, not the
 * increment-then-undo of a general limiter with skipSuccessfulRequests (bench-api), and it
 * carries no rate-limit headers of this limit. Fixed one-minute windows per address.
 */
export function authFailureRateLimit(perMinute: number, windowMs = 60_000): RequestHandler {
  const refused = new Map<string, { count: number; resetAt: number }>();
  let sweepAt = 0;
  return (req: Request, res: Response, next: NextFunction) => {
    const now = Date.now();
    if (now >= sweepAt) {
      // Forget expired windows now and then, so the map holds only recent offenders.
      for (const [k, w] of refused) if (w.resetAt <= now) refused.delete(k);
      sweepAt = now + windowMs;
    }
    const key = ipKeyGenerator(req.ip ?? 'unknown');
    const w = refused.get(key);
    if (w && w.resetAt > now && w.count >= perMinute) {
      (req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit = { resetTime: new Date(w.resetAt) };
      return next(tooMany(req, 'too many refused credentials from this address'));
    }
    res.once('finish', () => {
      if (res.statusCode !== 401 && res.statusCode !== 403) return;
      const at = Date.now();
      const cur = refused.get(key);
      if (cur && cur.resetAt > at) cur.count++;
      else refused.set(key, { count: 1, resetAt: at + windowMs });
    });
    next();
  };
}

/**
 * 415 unless a request that carries a body says it is JSON (or a form, where `forms` is
 * set: the OAuth token endpoint). Chunked bodies have no Content-Length, so check both.
 */
export function requireBodyType(forms = false): RequestHandler {
  return (req: Request, _res: Response, next: NextFunction) => {
    const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.header('content-length') ?? 0) > 0;
    if (!hasBody || req.method === 'GET' || req.method === 'HEAD') return next();
    const ok = req.is('application/json') || (forms && req.is('application/x-www-form-urlencoded'));
    if (!ok)
      return next(new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', forms ? 'request bodies must be application/x-www-form-urlencoded or application/json' : 'request bodies must be application/json'));
    next();
  };
}
