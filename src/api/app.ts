/**
 * The Express application: security headers, request ids, the OAuth token endpoint, then
 * for the STAR-LAB routers: authentication → per-client rate limit → JSON-only bodies up to
 * 64 KiB → routes, and one error middleware. `startServer` takes port 0 for tests.
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Client } from '@temporalio/client';
import express, { type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import { authModeFor, isLoopbackHost, loadConfig } from '../config';
import type { PrismaClient } from '../db/client';
import type { Logger } from '../logger';
import { authenticate } from './auth';
import { dataNotificationsRouter } from './dataNotifications';
import { renderDocs } from './docsPage';
import { ApiError, errorMiddleware } from './errors';
import { authFailureRateLimit, clientRateLimit, ipRateLimit, requireBodyType } from './limits';
import { lastFillMarks, marketDataMarks, type MarkProvider } from './marks';
import type { MarketData } from '../contracts/broker';
import { oauthRouter } from './oauth';
import { openApiDocument } from './openapi';
import { createTokenService, type TokenService } from './tokens';
import { tradingRouter } from './trading';
import { accountsRouter, cycleRouter } from './accounts';
import { protocolConfigRouter } from './protocolConfig';
import type { Broker } from '../contracts/broker';
import { httpMetrics } from '../metrics';
import { healthRouter } from './health';
import { metricsHandler } from './metricsRoute';
import { cachedMarker, marketMarker } from '../marks';
import { operatorAuth, operatorRouter } from './operator';
import { reconciliationRouter } from './reconciliation';
import { webhooksRouter } from './webhooks';
import { operatorExtrasRouter } from './operatorExtras';
import { recommendationsRouter } from './recommendations';
import { experimentsRouter } from './experiments';
import { commandCenterRouter } from './commandCenter';
import { uiRouter } from './uiStatic';

export interface AuthOptions {
  mode: 'open' | 'required';
  tokens: TokenService;
  /** Default requests per minute per client. */
  rateLimitPerMinute: number;
  rateLimitWindowMs?: number;
}

export interface AppDeps {
  temporal: Client;
  prisma: PrismaClient;
  taskQueue: string;
  logger: Logger;
  /** Absent: from the environment (AUTH_MODE, AUTH_TOKEN_SECRET, ...), see src/config.ts. */
  auth?: AuthOptions;
  /** The broker's market-data port: quotes for request_data and position marks (default: broker.marketData). */
  marketData?: MarketData;
  /** Absent: marks from marketData when given, else at the last fill price. */
  marks?: MarkProvider;
  /** Operator API bearer token; undefined = OPERATOR_TOKEN from the environment; unset there too = operator API off. */
  operatorToken?: string;
  /** The broker session of this process, for /readyz (absent where the worker runs elsewhere). */
  broker?: Broker;
  /** Schedules /readyz requires (default: the weekly cycle's). */
  requiredSchedules?: string[];
  /** Temporal Web UI base URL for the command center's workflow links (absent: TEMPORAL_UI_URL). */
  temporalUiUrl?: string;
  /** Whether the broker is the bundled simulator, for A/B shadow families (absent: IB_SIMULATOR). */
  brokerIsSimulator?: boolean;
}

export const API_BASE = '/api/v1/starlab_interface';
const BODY_LIMIT = '64kb';

export function authFromEnv(logger: Logger, env: NodeJS.ProcessEnv = process.env): AuthOptions {
  const cfg = loadConfig(env);
  const mode = authModeFor(cfg);
  // Open mode has no credentials at all: refuse to serve it anywhere but loopback.
  if (mode === 'open' && !isLoopbackHost(cfg.host)) throw new Error(`AUTH_MODE=open requires a loopback HOST (got ${cfg.host}); use AUTH_MODE=required`);
  if (mode === 'open')
    logger.warn(
      'STAR-LAB API AUTH_MODE=open (explicit opt-in): requests without credentials act as client "local" with every scope. Loopback development only; unset AUTH_MODE to require credentials.',
      { host: cfg.host },
    );
  if (!cfg.authTokenSecret) logger.warn('AUTH_TOKEN_SECRET is not set: access tokens are signed with a random per-process key and die with this process');
  return { mode, tokens: createTokenService(cfg.authTokenSecret, cfg.authTokenTtlSeconds), rateLimitPerMinute: cfg.apiRateLimitPerMinute };
}

export function createApp(deps: AppDeps): express.Express {
  const { prisma, logger } = deps;
  const auth = deps.auth ?? authFromEnv(logger);
  // The broker's market-data port, when the process has one (npm start passes the broker).
  const marketData = deps.marketData ?? deps.broker?.marketData;
  const marks = deps.marks ?? (marketData ? marketDataMarks(marketData, lastFillMarks(prisma)) : lastFillMarks(prisma));
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use(helmet());
  app.use(httpMetrics());
  app.use((req: Request, res: Response, next: NextFunction) => {
    const incoming = req.header('x-request-id');
    const requestId = incoming && /^[\w.-]{1,64}$/.test(incoming) ? incoming : randomUUID();
    res.locals.requestId = requestId;
    res.setHeader('X-Request-Id', requestId);
    next();
  });

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  const operatorToken = deps.operatorToken ?? loadConfig(process.env).operatorToken;
  // Readiness details and metrics (account equity, the kill switch's reason) are for operators:
  // a plain /readyz answers ready / not ready only; /metrics needs the operator token.
  app.use(healthRouter({ temporal: deps.temporal, prisma, broker: deps.broker, requiredSchedules: deps.requiredSchedules, operatorToken }));
  app.get('/metrics', operatorAuth(operatorToken, logger, prisma), metricsHandler(prisma, 5000, marketData ? cachedMarker(marketMarker(marketData, { timeoutMs: 1000 })) : undefined));
  // Protocol Engine operator routes, behind the same operator token; an unknown family falls through to the account view below.
  app.use('/api/v1/operator/accounts', operatorAuth(operatorToken, logger, prisma), express.json({ limit: '16kb' }), accountsRouter(deps));
  app.use('/api/v1/operator/cycle', operatorAuth(operatorToken, logger, prisma), express.json({ limit: '16kb' }), cycleRouter(deps));
  app.use('/api/v1/operator/config', operatorAuth(operatorToken, logger, prisma), express.json({ limit: '64kb' }), protocolConfigRouter({ prisma }));
  app.use('/api/v1/operator/reconciliation', operatorAuth(operatorToken, logger, prisma), reconciliationRouter({ prisma }));
  app.use('/api/v1/operator/recommendations', operatorAuth(operatorToken, logger, prisma), express.json({ limit: '16kb' }), recommendationsRouter({ prisma, logger }));
  app.use(
    '/api/v1/operator/experiments',
    operatorAuth(operatorToken, logger, prisma),
    express.json({ limit: '16kb' }),
    experimentsRouter({ prisma, logger, brokerIsSimulator: deps.brokerIsSimulator ?? loadConfig(process.env).ibSimulator }),
  );
  // The command center (web UI at /ui) and its read endpoints, behind the same operator token.
  app.use(
    '/api/v1/operator/cc',
    operatorAuth(operatorToken, logger, prisma),
    commandCenterRouter({ temporal: deps.temporal, prisma, logger, broker: deps.broker, marks, marketData, temporalUiUrl: deps.temporalUiUrl }),
  );
  app.use('/ui', uiRouter());
  app.use(
    '/api/v1/operator',
    operatorAuth(operatorToken, logger, prisma),
    express.json({ limit: '16kb' }),
    operatorExtrasRouter({ prisma, logger, temporal: deps.temporal, taskQueue: deps.taskQueue }),
  );
  app.use('/api/v1/operator', operatorRouter({ temporal: deps.temporal, prisma, logger, token: operatorToken }));
  app.get('/api/v1/openapi.json', (_req, res) => {
    res.json(openApiDocument());
  });
  app.get('/api/v1/docs', (_req, res) => {
    res.type('html').send(renderDocs(openApiDocument()));
  });
  app.use(
    '/api/v1/oauth',
    ipRateLimit(60),
    requireBodyType(true),
    express.urlencoded({ extended: false, limit: BODY_LIMIT }),
    express.json({ limit: BODY_LIMIT }),
    oauthRouter({ prisma, tokens: auth.tokens }),
  );

  const guarded = express.Router();
  guarded.use(authFailureRateLimit(300));
  guarded.use(authenticate({ prisma, logger, mode: auth.mode, tokens: auth.tokens }));
  guarded.use(clientRateLimit({ perMinute: auth.rateLimitPerMinute, windowMs: auth.rateLimitWindowMs }));
  guarded.use(requireBodyType());
  guarded.use(express.json({ limit: BODY_LIMIT, strict: false }));
  guarded.use('/trading', tradingRouter({ ...deps, marks }));
  guarded.use('/data_notifications', dataNotificationsRouter({ prisma, marks, marketData }));
  guarded.use('/webhooks', webhooksRouter({ prisma }));
  app.use(API_BASE, guarded);

  app.use((req: Request, _res: Response, next: NextFunction) => next(new ApiError(404, 'NOT_FOUND', `no route for ${req.method} ${req.path}`)));
  app.use(errorMiddleware(logger));
  return app;
}

export interface RunningServer {
  server: Server;
  port: number;
  url: string;
  close(): Promise<void>;
}

export function startServer(app: express.Express, port: number, host = '127.0.0.1'): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host);
    // Idle keep-alive connections are closed by the client, never by us: Node's default (5 s) races
    // a client that reuses the socket at that moment (ECONNRESET), as behind any load balancer.
    server.keepAliveTimeout = 65_000;
    server.headersTimeout = 66_000;
    server.once('error', reject);
    server.once('listening', () => {
      const actual = (server.address() as AddressInfo).port;
      resolve({
        server,
        port: actual,
        url: `http://${host.includes(':') ? `[${host}]` : host}:${actual}`,
        close: () =>
          new Promise<void>((res) => {
            server.close(() => res());
            server.closeAllConnections();
          }),
      });
    });
  });
}
