/**
 * The market-data port over @stoqey/ib against the simulator: weekly bars, listed expirations,
 * a put chain with model deltas, account summary, positions and the broker's (manual) clock.
 */
import { expect } from 'chai';
import { createIbMarketData } from '../../activities/broker/ib-marketdata';
import type { MarketData } from '../../src/contracts/broker';
import { startSimulator, type Simulator } from '../../src/ib-sim';
import { createLogger } from '../../src/logger';

describe('protocol engine: IB market data port', function () {
  this.timeout(60_000);
  let sim: Simulator;
  let md: MarketData;
  before(async () => {
    sim = await startSimulator({ port: 0, clock: 'manual', startTime: '2027-03-05T20:00:00Z', prices: { AAPL: 200 }, vols: { AAPL: 0.3 } });
    md = createIbMarketData({ host: '127.0.0.1', port: sim.port, clientId: 77, logger: createLogger('test', 'error') });
  });
  after(async () => {
    await md.close();
    await sim.close();
  });

  it('when bars, chains and account data are asked for, then they come back in ALL-USE shapes', async () => {
    expect((await md.now()).toISOString()).to.equal('2027-03-05T20:00:00.000Z');
    const weekly = await md.bars('AAPL', '1 week', '1 Y');
    expect(weekly.length).to.be.within(50, 54);
    expect(weekly.at(-1)).to.include({ close: 200 });
    expect(weekly[0]!.date).to.match(/^\d{4}-\d{2}-\d{2}$/);
    const { expirations, strikes } = await md.expirations('AAPL');
    expect(expirations[0]).to.equal('20270305'); // 15:00 New York: this Friday's expiry is still listed
    expect(strikes).to.include(200);
    const chain = await md.optionChain('AAPL', expirations[0]!, 'P', 180, 200);
    expect(chain.map((q) => q.strike)).to.deep.equal([180, 182.5, 185, 187.5, 190, 192.5, 195, 197.5, 200]);
    for (const q of chain) expect(q.delta!).to.be.within(-1, 0);
    expect(chain.at(-1)!.bid).to.be.below(chain.at(-1)!.ask);
    const summary = await md.accountSummary();
    expect(summary.NetLiquidation).to.be.greaterThan(0);
    expect(await md.positions()).to.deep.equal([]);
  });
});
