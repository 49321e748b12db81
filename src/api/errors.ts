/**
 * API errors: one shape for every non-validation error, `{ error: { code, message, details? } }`,
 * with a stable upper-case code. A 400 is always the validation shape of the seed's ack,
 * `{ status: "VALIDATION_FAILED", message, validation_errors: [{field, message}] }`.
 * The error middleware is the only place that writes either.
 */
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../logger';

/** The request id app.ts put on res.locals (Express types locals as any): the string, or undefined. */
export function requestIdOf(res: Response): string | undefined {
  const v: unknown = res.locals.requestId;
  return typeof v === 'string' ? v : undefined;
}

export class ApiError extends Error {
  constructor(
    public readonly status: number,
    public readonly code: string,
    message: string,
    public readonly details?: unknown,
    public readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const notFound = (what: string) => new ApiError(404, 'NOT_FOUND', `${what} not found`);

export interface FieldError {
  field: string;
  message: string;
}

export const validationFailed = (errors: FieldError[], message = 'request failed validation; nothing was done') => new ApiError(400, 'VALIDATION_FAILED', message, { validation_errors: errors });

export function errorMiddleware(logger: Logger) {
  // Express recognises error middleware by its four parameters.
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const e = toApiError(err);
    const meta = { request_id: requestIdOf(res), method: req.method, path: req.path, status: e.status, code: e.code };
    // Our own 5xx (e.g. BROKER_UNAVAILABLE) are expected conditions: no stack trace for those.
    if (e.status >= 500) logger.error(e.message, err instanceof ApiError ? meta : { ...meta, err });
    else logger.warn(e.message, meta);
    for (const [k, v] of Object.entries(e.headers)) res.setHeader(k, v);
    if (e.status === 400) {
      const list = (e.details as { validation_errors?: FieldError[] } | undefined)?.validation_errors ?? [{ field: '(body)', message: e.message }];
      res.status(400).json({ status: 'VALIDATION_FAILED', message: e.message, validation_errors: list });
      return;
    }
    res.status(e.status).json({ error: { code: e.code, message: e.message, ...(e.details !== undefined ? { details: e.details } : {}) } });
  };
}

function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  const e = err as { type?: string; status?: number; name?: string; message?: string };
  // body-parser errors carry a `type`
  if (e?.type === 'entity.too.large') return new ApiError(413, 'PAYLOAD_TOO_LARGE', 'request body exceeds 64 KiB');
  if (e?.type === 'entity.parse.failed') return validationFailed([{ field: '(body)', message: 'not valid JSON' }], 'request body is not valid JSON');
  if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported') return new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', e.message ?? 'unsupported encoding');
  // Any other body-parser refusal (bad gzip, aborted upload, too many form fields) is the client's.
  if (e?.type && typeof e.status === 'number' && e.status >= 400 && e.status < 500)
    return e.status === 413 ? new ApiError(413, 'PAYLOAD_TOO_LARGE', 'request body too large') : new ApiError(e.status, 'BAD_REQUEST', 'unreadable request body');
  if (isTemporalUnavailable(err)) return new ApiError(503, 'TEMPORAL_UNAVAILABLE', 'the workflow service is unavailable; retry later', undefined, { 'Retry-After': '5' });
  return new ApiError(500, 'INTERNAL', 'internal error');
}

export function isTemporalUnavailable(err: unknown): boolean {
  const e = err as { name?: string; code?: number; message?: string };
  return e?.name === 'ServiceError' || e?.code === 14 || /UNAVAILABLE|ECONNREFUSED|deadline/i.test(e?.message ?? '');
}
