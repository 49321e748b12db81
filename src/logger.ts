/**
 * Structured JSON logs (winston). Every line is one JSON object; fields that may carry
 * secrets are redacted here, once, so no caller can leak a key by logging a request.
 */
import winston from 'winston';

const SECRET_KEYS = /^(authorization|x-api-key|api_key|apikey|client_secret|access_token|password|secret|token|databaseurl|database_url)$/i;

export function redact(value: unknown, depth = 0): unknown {
  if (depth > 6 || value === null || typeof value !== 'object') {
    if (typeof value === 'string') return value.replace(/(postgres(?:ql)?:\/\/[^:/@]+:)[^@]+@/g, '$1***@');
    return value;
  }
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack, ...(value.cause !== undefined ? { cause: redact(value.cause, depth + 1) } : {}) };
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    out[k] = SECRET_KEYS.test(k) ? '[REDACTED]' : redact(v, depth + 1);
  }
  return out;
}

const redactFormat = winston.format((info) => {
  for (const k of Object.keys(info)) {
    if (k === 'level' || k === 'message') continue;
    (info as Record<string, unknown>)[k] = SECRET_KEYS.test(k) ? '[REDACTED]' : redact(info[k]);
  }
  if (typeof info.message === 'string') info.message = redact(info.message);
  return info;
});

export type Logger = winston.Logger;

export function createLogger(component: string, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  // A child, not defaultMeta: winston lets defaultMeta override a child's own `component`.
  return winston
    .createLogger({
      level,
      format: winston.format.combine(winston.format.timestamp(), redactFormat(), winston.format.json()),
      transports: [new winston.transports.Console({ stderrLevels: ['error', 'warn'] })],
    })
    .child({ component });
}
