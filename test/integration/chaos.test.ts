/**
 * The chaos suite, shortened (`npm run chaos` is the full run, docs/CHAOS.md): on the Temporal
 * dev server and a throw-away PostgreSQL cluster, two workers, two APIs and the simulator as
 * separate processes, 60 instructions at 10 in flight while a worker, an API process and the
 * Temporal server are killed with SIGKILL, PostgreSQL is restarted and the broker drops every
 * connection (each once). Nothing acknowledged is lost, no instruction gets a second broker
 * order, and after reconciling the books equal the broker to the cent.
 * CHAOS_TEST_INSTRUCTIONS / CHAOS_TEST_IN_FLIGHT / CHAOS_TEST_ROUNDS change the size.
 */
import { expect } from 'chai';
import { runChaos, type ChaosFigures } from '../../scripts/chaos/run';
import { FAULT_KINDS } from '../../scripts/chaos/faults';

describe('chaos (shortened): kill -9 worker, API and Temporal, restart PostgreSQL, drop broker connections', function () {
  // A worker killed while placing an order holds that instruction until placeOrder's 2 min start-to-close timeout.
  this.timeout(900_000);
  const instructions = Number(process.env.CHAOS_TEST_INSTRUCTIONS ?? 60);
  const rounds = Number(process.env.CHAOS_TEST_ROUNDS ?? 1);
  let f: ChaosFigures;

  before(async () => {
    const lines: string[] = [];
    try {
      f = await runChaos({
        server: 'dev',
        instructions,
        inFlight: Number(process.env.CHAOS_TEST_IN_FLIGHT ?? 10),
        rounds,
        instructionDeadlineMs: 600_000,
        log: (l) => lines.push(l),
      });
    } finally {
      if (!f || f.lost || f.duplicated || !f.books_equal) process.stderr.write(`${lines.join('\n')}\n${JSON.stringify(f)}\n`);
    }
  });

  it('when every fault kind strikes while instructions flow, then each one was injected and measured', () => {
    // A recovery is null when its probe did not fill: after a broker reconnect under load the
    // reconciliation can set reduce-only (docs/CHAOS.md, "Found, not fixed"), so not asserted here.
    for (const k of FAULT_KINDS) {
      expect(f.faults[k], k).to.equal(rounds);
      expect(f.recovery_s[k], k).to.have.length(rounds);
    }
  });

  it('then every instruction is acknowledged and none is lost', () => {
    expect(f.not_acknowledged, 'instructions never acknowledged').to.equal(0);
    expect(f.unexpected_answers).to.equal(0);
    expect(f.acknowledged).to.equal(instructions + FAULT_KINDS.length * rounds); // the load and one probe per fault
    expect(f.lost, f.lost_ids.join(', ')).to.equal(0);
  });

  it('then no instruction has more than one broker order', () => {
    expect(f.duplicated, f.duplicated_ids.join(', ')).to.equal(0);
    expect(f.broker_orders).to.be.at.most(f.acknowledged);
  });

  it('then, reconciled, the books equal the broker to the cent', () => {
    expect(f.reconcile?.unexplained, JSON.stringify(f.reconcile)).to.equal(0);
    expect(f.books.positions.filter((p) => p.books !== p.broker)).to.deep.equal([]);
    expect(f.books.cash_cents.books).to.equal(f.books.cash_cents.broker);
    expect(f.books.realized_pnl_cents.books).to.equal(f.books.realized_pnl_cents.broker);
    expect(f.books.positions.length, 'the run bought shares').to.be.greaterThan(0);
    expect(f.books_equal).to.equal(true);
  });
});
