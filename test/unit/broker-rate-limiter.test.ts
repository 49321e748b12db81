import { expect } from 'chai';
import { TokenBucket } from '../../activities/broker/rate-limiter';

describe('broker rate limiter (token bucket)', () => {
  it('when the default burst is derived, then burst + 1 s of rate stays under IB 50/s', () => {
    const b = new TokenBucket({ ratePerSec: 45 });
    expect(b.burst).to.equal(4);
    expect(b.burst + b.ratePerSec).to.be.lessThan(50);
  });

  it('when 60 tokens are taken at 200/s, then no 100 ms window holds more than burst + 20 and it takes ~0.2 s', async () => {
    const b = new TokenBucket({ ratePerSec: 200 });
    const t0 = performance.now();
    const times: number[] = [];
    await Promise.all(Array.from({ length: 60 }, () => b.acquire().then(() => times.push(performance.now() - t0))));
    const elapsed = performance.now() - t0;
    expect(elapsed).to.be.within(180, 350); // (60 - burst 20) / 200
    for (const start of times) {
      const inWindow = times.filter((t) => t >= start && t < start + 100).length;
      expect(inWindow).to.be.at.most(b.burst + 20 + 1); // +1: timer granularity
    }
    expect(b.taken).to.equal(60);
  });

  it('when callers wait, then they are served in order, urgent ones first', async () => {
    const b = new TokenBucket({ ratePerSec: 100, burst: 1 });
    const order: string[] = [];
    await b.acquire();
    const p = [b.acquire().then(() => order.push('a')), b.acquire().then(() => order.push('b')), b.acquire(1, true).then(() => order.push('urgent'))];
    await Promise.all(p);
    expect(order).to.deep.equal(['urgent', 'a', 'b']);
  });

  it('when penalized, then nothing passes for that long', async () => {
    const b = new TokenBucket({ ratePerSec: 1000, burst: 5 });
    b.penalize(150);
    const t0 = performance.now();
    await b.acquire();
    expect(performance.now() - t0).to.be.at.least(140);
  });

  it('when a token is given back unused, then the next waiter gets it at once and it is not counted', async () => {
    const b = new TokenBucket({ ratePerSec: 2, burst: 1 });
    await b.acquire();
    const t0 = performance.now();
    const next = b.acquire();
    b.refund();
    await next;
    expect(performance.now() - t0).to.be.below(50);
    expect(b.taken).to.equal(1);
  });

  it('when asked for more than the burst, then it throws instead of waiting forever', () => {
    const b = new TokenBucket({ ratePerSec: 10, burst: 1 });
    expect(() => b.acquire(2)).to.throw(/cannot take/);
  });

  it('when messages queue or IB imposed a penalty, then backlogMs says how long a new message would wait', async () => {
    let t = 0;
    let real = false;
    const b = new TokenBucket({ ratePerSec: 50, burst: 2, now: () => (real ? 1e9 + performance.now() : t) });
    expect(b.backlogMs()).to.equal(0); // a full bucket: no wait
    for (let k = 0; k < 12; k++) void b.acquire(); // 2 go at once, 10 wait
    expect(b.backlogMs()).to.equal(220); // 10 ahead + this one, at 20 ms each
    b.penalize(3000);
    expect(b.backlogMs()).to.equal(3220);
    t = 3000;
    expect(b.backlogMs()).to.equal(220);
    real = true; // let time run, so every waiter goes through and no timer outlives the test
    b.refund(0);
    // Every waiter goes through (the condition, polled for at most 2 s; 12 × 20 ms is due).
    for (const end = performance.now() + 2000; b.pending > 0 && performance.now() < end;) await new Promise((r) => setTimeout(r, 5));
    expect(b.pending).to.equal(0);
  });
});
