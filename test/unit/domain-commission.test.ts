import { expect } from 'chai';
import { orderCommissionCents } from '../../src/domain/commission';
import { commissionFor } from '../../src/ib-sim/account';

describe('commission: IB fixed pricing, one rule for the simulator and the backtester', () => {
  it('when options trade, then $0.65 a contract with a $1.00 minimum per order', () => {
    expect(orderCommissionCents('OPT', 1, 250)).to.equal(100);
    expect(orderCommissionCents('OPT', 3, 250)).to.equal(195);
  });

  it('when shares trade, then $0.005 a share, at most 1 % of the value, at least $1.00', () => {
    expect(orderCommissionCents('STK', 2_200, 11_000)).to.equal(1_100);
    expect(orderCommissionCents('STK', 100, 5_000)).to.equal(100);
    expect(orderCommissionCents('STK', 1_000, 50)).to.equal(500); // 1 % of $500 caps $5.00
    expect(orderCommissionCents('STK', 10_000, 20)).to.equal(2_000); // 1 % of $2,000 < $50
  });

  it('when the simulator charges an order, then it charges the same (in dollars)', () => {
    expect(commissionFor({ secType: 'STK', symbol: 'SPY' } as Parameters<typeof commissionFor>[0], 2_200, 110)).to.equal(11);
    expect(commissionFor({ secType: 'OPT', symbol: 'SPY' } as Parameters<typeof commissionFor>[0], 1, 2.5)).to.equal(1);
  });
});
