import { expect } from 'chai';
import express from 'express';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import {
  accountBuffer,
  accountProtocolLevel,
  brokerConnected,
  httpMetrics,
  instructionsTotal,
  metricsContentType,
  metricsText,
  riskRejectionsTotal,
  serveMetrics,
  weeklyCycleLastRun,
  workflowFailuresTotal,
} from '../../src/metrics';

describe('metrics', () => {
  it('when metrics are updated, then the exposition text carries each series with its labels', async () => {
    instructionsTotal.inc({ source: 'starlab', scheme: 'WIS', status: 'accepted' });
    riskRejectionsTotal.inc({ reason: 'NOTIONAL_EXCEEDS_BUYING_POWER' }, 2);
    brokerConnected.set(1);
    accountBuffer.set({ account: 'GEN-1' }, 12500.5);
    accountProtocolLevel.set({ account: 'GEN-1', symbol: 'NVDA' }, 3);
    workflowFailuresTotal.inc({ workflow_type: 'tradeInstruction' });
    weeklyCycleLastRun.set(1_764_000_000);

    const text = await metricsText();
    expect(text).to.match(/^alluse_instructions_total\{source="starlab",scheme="WIS",status="accepted"\} 1$/m);
    expect(text).to.match(/^alluse_risk_rejections_total\{reason="NOTIONAL_EXCEEDS_BUYING_POWER"\} 2$/m);
    expect(text).to.match(/^alluse_broker_connected 1$/m);
    expect(text).to.match(/^alluse_account_buffer_dollars\{account="GEN-1"\} 12500.5$/m);
    expect(text).to.match(/^alluse_account_protocol_level\{account="GEN-1",symbol="NVDA"\} 3$/m);
    expect(text).to.match(/^alluse_workflow_failures_total\{workflow_type="tradeInstruction"\} 1$/m);
    // known types start at 0, so increase() sees their first failure
    expect(text).to.match(/^alluse_workflow_failures_total\{workflow_type="weeklyCycle"\} 0$/m);
    expect(text).to.match(/^alluse_weekly_cycle_last_run_timestamp_seconds 1764000000$/m);
    expect(text, 'default process metrics').to.match(/^process_cpu_user_seconds_total /m);
    expect(metricsContentType).to.contain('text/plain');
  });

  describe('httpMetrics()', () => {
    let server: Server;
    let base: string;
    before(async () => {
      const app = express();
      app.use(httpMetrics());
      const v1 = express.Router();
      v1.get('/instructions/:id', (req, res) => {
        res.status(req.params.id === 'missing' ? 404 : 200).json({ id: req.params.id });
      });
      app.use('/v1', v1);
      await new Promise<void>((resolve, reject) => {
        server = app.listen(0, '127.0.0.1', (err?: Error) => (err ? reject(err) : resolve()));
      });
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('when requests hit a parameterised route, then the label is the pattern, not the URL', async () => {
      await fetch(`${base}/v1/instructions/abc-123`);
      await fetch(`${base}/v1/instructions/missing`);
      await fetch(`${base}/no/such/path/42`);
      const text = await metricsText();
      expect(text).to.match(/^http_requests_total\{route="\/v1\/instructions\/:id",method="GET",status="200"\} 1$/m);
      expect(text).to.match(/^http_requests_total\{route="\/v1\/instructions\/:id",method="GET",status="404"\} 1$/m);
      expect(text).to.match(/^http_requests_total\{route="unmatched",method="GET",status="404"\} 1$/m);
      expect(text).to.match(/^http_request_duration_seconds_count\{route="\/v1\/instructions\/:id",method="GET"\} 2$/m);
      expect(text).not.to.contain('abc-123');
      expect(text).not.to.contain('/no/such/path');
    });
  });

  it('when serveMetrics() listens, then GET /metrics returns the exposition text and other paths 404', async () => {
    const server = await serveMetrics({ port: 0 });
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const res = await fetch(`${base}/metrics`);
      expect(res.status).to.equal(200);
      expect(res.headers.get('content-type')).to.contain('text/plain');
      expect(await res.text()).to.match(/^alluse_broker_connected /m);
      expect((await fetch(`${base}/other`)).status).to.equal(404);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
