/**
 * The Express application: security headers, JSON-only bodies up to 64 KiB, request ids,
 * the STAR-LAB routers and one error middleware. `startServer` takes port 0 for tests.
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Client } from '@temporalio/client';
import express, { type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import type { PrismaClient } from '../db/client';
import type { Logger } from '../logger';
import { ApiError, errorMiddleware } from './errors';
import { tradingRouter } from './trading';

export interface AppDeps {
  temporal: Client;
  prisma: PrismaClient;
  taskQueue: string;
  logger: Logger;
}

export const API_BASE = '/api/v1/starlab_interface';

export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use(helmet());
  app.use((req: Request, res: Response, next: NextFunction) => {
    const incoming = req.header('x-request-id');
    res.locals.requestId = incoming && /^[\w.-]{1,64}$/.test(incoming) ? incoming : randomUUID();
    res.setHeader('X-Request-Id', res.locals.requestId as string);
    next();
  });
  app.use((req: Request, _res: Response, next: NextFunction) => {
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD' && Number(req.header('content-length') ?? 0) > 0;
    if (hasBody && !req.is('application/json')) return next(new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', 'request bodies must be application/json'));
    next();
  });
  app.use(express.json({ limit: '64kb', strict: false }));

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.use(`${API_BASE}/trading`, tradingRouter(deps));

  app.use((req: Request, _res: Response, next: NextFunction) => next(new ApiError(404, 'NOT_FOUND', `no route for ${req.method} ${req.path}`)));
  app.use(errorMiddleware(deps.logger));
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
    server.once('error', reject);
    server.once('listening', () => {
      const actual = (server.address() as AddressInfo).port;
      resolve({
        server,
        port: actual,
        url: `http://${host}:${actual}`,
        close: () =>
          new Promise<void>((res) => {
            server.close(() => res());
            server.closeAllConnections();
          }),
      });
    });
  });
}
