import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import express from 'express';
import { authFailureRateLimit } from '../../src/api/limits';

describe('per-address limit on refused credentials', () => {
  it('when an address keeps presenting bad credentials, then it gets 429 while good requests never count', async () => {
    const app = express();
    app.use(authFailureRateLimit(2));
    app.get('/ok', (_req, res) => void res.json({ ok: true }));
    app.get('/bad', (_req, res) => void res.status(401).json({}));
    app.use((err: { status?: number; headers?: Record<string, string> }, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      for (const [k, v] of Object.entries(err.headers ?? {})) res.setHeader(k, v);
      res.status(err.status ?? 500).json({});
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const codes: number[] = [];
      const answers: Response[] = [];
      for (const p of ['/ok', '/ok', '/ok', '/bad', '/bad', '/bad', '/ok']) {
        const r = await fetch(url + p);
        answers.push(r);
        codes.push(r.status);
      }
      expect(codes).to.deep.equal([200, 200, 200, 401, 401, 429, 429]);
      // An accepted request carries no headers of this limit; a refused one says when to retry.
      expect(answers[0]!.headers.get('ratelimit')).to.equal(null);
      expect(Number(answers[5]!.headers.get('retry-after'))).to.be.within(1, 60);
    } finally {
      server.close();
    }
  });
});
