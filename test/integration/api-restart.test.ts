/**
 * A GTC order survives a restart of the worker and the API: it rests at the broker, both go
 * down, it fills while they are down, and after the restart order_status and positions show
 * the fill. An access token issued before the restart still works (same AUTH_TOKEN_SECRET).
 */
import { expect } from 'chai';
import { createApp, startServer } from '../../src/api/app';
import { until } from './_system';
import { appDeps, BASE, call, newClient, securedApi, uniq, type Secured } from './api-kit';

describe('STAR-LAB API: a GTC order across a restart of the worker and the API', function () {
  this.timeout(180_000);
  let s: Secured;
  before(async () => {
    s = await securedApi();
  });

  it('when the order fills while worker and API are down, then after the restart it is FILLED with its position', async () => {
    const { sys } = s;
    const c = await newClient(sys);
    const strategy = uniq('WIS_GTC');
    const api1 = await startServer(createApp(appDeps(sys)), 0);
    const tok = await call(api1, 'POST', '/api/v1/oauth/token', new URLSearchParams({ grant_type: 'client_credentials', client_id: c.clientId, client_secret: c.secret }).toString(), {
      'content-type': 'application/x-www-form-urlencoded',
    });
    const auth = { authorization: `Bearer ${tok.body.access_token}` };
    sys.simulator!.setPrice('GOOGL', 200);
    const body = {
      starlab_strategy_id: strategy,
      scheme_type: 'WIS',
      symbol: 'GOOGL',
      trade_action: 'BUY_STOCK',
      quantity: 10,
      order_type: 'LIMIT',
      limit_price: 170,
      time_in_force: 'GTC',
      client_order_id: uniq('gtc'),
      account_tag: 'STARLAB_WIS_FUND',
    };
    const ack = await call(api1, 'POST', `${BASE}/trading/submit_trade_instruction`, body, auth);
    expect(ack.status).to.equal(201);
    const id = ack.body.all_use_order_id as string;
    await until(async () => (await call(api1, 'GET', `${BASE}/trading/order_status/${id}`, undefined, auth)).body.status === 'SUBMITTED', 30_000, 'SUBMITTED');

    await sys.stopWorker();
    await api1.close();
    sys.simulator!.setPrice('GOOGL', 165); // the resting order (15 % under the mid, inside the risk band) fills at the broker meanwhile

    const api2 = await startServer(createApp(appDeps(sys)), 0);
    try {
      await sys.startWorker();
      const st = await until(
        async () => {
          const r = await call(api2, 'GET', `${BASE}/trading/order_status/${id}`, undefined, auth);
          return r.body.status === 'FILLED' ? r.body : undefined;
        },
        90_000,
        'FILLED after the restart',
      );
      expect(st).to.include({ filled_quantity: 10, average_fill_price: 165.01 });
      const pos = await call(api2, 'GET', `${BASE}/trading/positions/${strategy}`, undefined, auth);
      expect(pos.body).to.have.length(1);
      expect(pos.body[0]).to.include({ symbol: 'GOOGL', position_type: 'LONG_STOCK', quantity: 10, average_entry_price: 165.01, all_use_order_id_open: id });
      expect(sys.simulator!.orders().filter((o) => o.orderRef === id)).to.have.length(1);
    } finally {
      await api2.close();
    }
  });
});
