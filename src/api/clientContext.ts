/**
 * Who is calling: the authenticated STAR-LAB client (set by the auth middleware) and what
 * it may touch. In AUTH_MODE=open (loopback development only) a request without
 * credentials acts as client "local", which may do everything.
 */
import type { Response } from 'express';

export interface CallerClient {
  name: string;
  /** Strategy id patterns (`*` wildcard) this client may trade and see. */
  strategies: string[];
  scopes: string[];
  /** Per-client override of the default rate limit. */
  rateLimitPerMinute?: number | null;
}

export const LOCAL_CLIENT: CallerClient = { name: 'local', strategies: ['*'], scopes: ['trade', 'read', 'data'] };

export function caller(res: Response): CallerClient {
  return (res.locals.client as CallerClient | undefined) ?? LOCAL_CLIENT;
}

export function strategyAllowed(client: CallerClient, strategyId: string): boolean {
  return client.strategies.some((p) => new RegExp(`^${p.split('*').map(escape).join('.*')}$`).test(strategyId));
}
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
