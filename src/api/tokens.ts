/**
 * OAuth 2.0 access tokens: HS256 JWTs (jose) signed with AUTH_TOKEN_SECRET. A token names
 * the client (`sub`), the credential generation it came from (`cid` = client_id, so
 * re-issuing or revoking a client kills its tokens) and its scopes.
 */
import { randomBytes } from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';

const ISSUER = 'all-use';
const AUDIENCE = 'starlab';

export interface TokenClaims {
  sub: string;
  cid: string;
  scope: string;
}

export interface TokenService {
  issue(c: TokenClaims): Promise<{ access_token: string; expires_in: number }>;
  /** Claims of a valid token; throws TokenError('TOKEN_EXPIRED' | 'INVALID_CREDENTIALS'). */
  verify(token: string): Promise<TokenClaims>;
  readonly ephemeral: boolean;
}

export class TokenError extends Error {
  constructor(
    readonly code: 'TOKEN_EXPIRED' | 'INVALID_CREDENTIALS',
    message: string,
  ) {
    super(message);
    this.name = 'TokenError';
  }
}

export function createTokenService(secret: string | undefined, ttlSeconds: number): TokenService {
  // Without a configured secret the key lives only in this process: fine for a loopback
  // development server, fatal for several API replicas (each would reject the others' tokens).
  const key = new TextEncoder().encode(secret ?? randomBytes(48).toString('base64url'));
  return {
    ephemeral: secret === undefined,
    async issue(c) {
      const access_token = await new SignJWT({ cid: c.cid, scope: c.scope })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(c.sub)
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setIssuedAt()
        .setJti(randomBytes(12).toString('base64url'))
        .setExpirationTime(`${ttlSeconds}s`)
        .sign(key);
      return { access_token, expires_in: ttlSeconds };
    },
    async verify(token) {
      try {
        const { payload } = await jwtVerify(token, key, { issuer: ISSUER, audience: AUDIENCE, algorithms: ['HS256'] });
        if (typeof payload.sub !== 'string' || typeof payload.cid !== 'string' || typeof payload.scope !== 'string') throw new TokenError('INVALID_CREDENTIALS', 'malformed token');
        return { sub: payload.sub, cid: payload.cid, scope: payload.scope };
      } catch (err) {
        if (err instanceof TokenError) throw err;
        if (err instanceof errors.JWTExpired) throw new TokenError('TOKEN_EXPIRED', 'access token expired; request a new one');
        throw new TokenError('INVALID_CREDENTIALS', 'invalid access token');
      }
    },
  };
}
