import { expect } from 'chai';
import { assumedFill } from '../../src/backtest/fills';
import { parseBacktestOptions } from '../../src/backtest/options';
import { DEFAULT_PROTOCOL, withOverrides } from '../../src/domain/config';
import { AccountRoles } from '../../src/parity/roles';

describe('parity: the backtester fills as the simulator does, and names accounts as live', () => {
  const marketable = parseBacktestOptions({ fillModel: 'marketable' });
  const s = DEFAULT_PROTOCOL.signals; // maxReprices 2, repriceStep 0.5: mid, half-way, the touch

  it('when the ladder reaches the touch, then a sell fills at the bid and a buy at the ask', () => {
    expect(assumedFill(marketable, 50, 54, 'SELL', s)).to.equal(50);
    expect(assumedFill(marketable, 50, 54, 'BUY', s)).to.equal(54);
  });

  it('when the ladder never reaches the touch, then no trade (as the simulator leaves it resting)', () => {
    const short = withOverrides(DEFAULT_PROTOCOL, { signals: { maxReprices: 1 } }).signals;
    expect(assumedFill(marketable, 50, 54, 'SELL', short)).to.equal('SKIP');
  });

  it("when the default model is kept, then the ladder's fillAttempt fills (the headline backtest is unchanged)", () => {
    expect(assumedFill(parseBacktestOptions({}), 50, 54, 'SELL', s)).to.equal(51); // mid 52, half-way to the bid
  });

  it('when forks appear, then both sides name them F1, F2… in order of creation', () => {
    const roles = new AccountRoles('PAR1');
    expect(roles.of('PAR1:GEN')).to.equal('GEN');
    expect(roles.of('PAR1/2008-W30:COM')).to.equal('F1/COM');
    expect(roles.of('PAR1/2008-W35:GEN')).to.equal('F2/GEN');
    expect(roles.of('PAR1:REV:LEAPS')).to.equal('REV:LEAPS');
  });
});
