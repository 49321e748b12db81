/**
 * Property: whatever malformed body reaches the API (random JSON, the seed's example with a
 * field broken, dropped or added, non-JSON text, wrong media types), the answer is a 4xx
 * and nothing is started or stored: Temporal's workflow count and the database rows are
 * the same before and after. Real HTTP to an in-process API (no rate limit in the way).
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { createApp, startServer, type RunningServer } from '../../src/api/app';
import { createTokenService } from '../../src/api/tokens';
import { SEED } from '../../src/contracts/api';
import { appDeps, BASE, newClient, securedApi, type Secured, type TestClient } from './api-kit';
import { until } from './_system';

const ENDPOINTS = [`${BASE}/trading/submit_trade_instruction`, `${BASE}/data_notifications/request_data`, `${BASE}/data_notifications/notify_validated_strategy`];
const REQUIRED = ['starlab_strategy_id', 'scheme_type', 'symbol', 'trade_action', 'quantity', 'order_type', 'limit_price', 'expiration_date', 'strike_price', 'time_in_force', 'client_order_id'];

/** A value no field of any body accepts. */
const junk = fc.oneof(fc.constant(null), fc.boolean(), fc.array(fc.integer(), { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 2 }));
const badFor = (field: string) =>
  ['quantity', 'limit_price', 'strike_price'].includes(field)
    ? fc.oneof(
        junk,
        fc.string({ maxLength: 8 }),
        fc.integer({ max: 0 }),
        fc.integer({ min: 1_000_001 }),
        fc.integer({ min: 0, max: 999 }).map((k) => k * 0.0001 + 0.00005) /* a 5th decimal */,
      )
    : fc.oneof(
        junk,
        fc.integer(),
        fc.string({ maxLength: 3 }).map((x) => `${x} <bad>`),
        fc.constant(''),
        fc.string({ minLength: 101, maxLength: 120 }),
      );

const mutatedSeed = fc.oneof(
  fc.constantFrom(...REQUIRED).chain((f) => badFor(f).map((v) => ({ ...SEED.instruction, [f]: v }))),
  fc.constantFrom(...REQUIRED).map((f) => Object.fromEntries(Object.entries(SEED.instruction).filter(([k]) => k !== f))),
  fc
    .string({ minLength: 1, maxLength: 10 })
    .filter((k) => !(k in SEED.instruction))
    .map((k) => ({ ...SEED.instruction, [k]: 1 })),
);

type Req = { path: string; body: string; type: string };
const request: fc.Arbitrary<Req> = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(fc.constantFrom(...ENDPOINTS), fc.jsonValue()).map(([path, v]) => ({ path, body: JSON.stringify(v) ?? 'null', type: 'application/json' })) },
  { weight: 5, arbitrary: mutatedSeed.map((v) => ({ path: ENDPOINTS[0]!, body: JSON.stringify(v), type: 'application/json' })) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...ENDPOINTS), fc.string({ maxLength: 40 })).map(([path, t]) => ({ path, body: `{${t}`, type: 'application/json' })) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom(...ENDPOINTS), fc.constantFrom('text/plain', 'application/xml', 'multipart/form-data'))
      .map(([path, type]) => ({ path, body: JSON.stringify(SEED.instruction), type })),
  },
);

describe('STAR-LAB API: malformed bodies (property)', function () {
  this.timeout(120_000);
  let s: Secured;
  let c: TestClient;
  let api: RunningServer;
  before(async () => {
    s = await securedApi();
    c = await newClient(s.sys);
    api = await startServer(createApp(appDeps(s.sys, { auth: { mode: 'required', tokens: createTokenService(undefined, 900), rateLimitPerMinute: 1_000_000 } })), 0);
  });
  after(() => api.close());

  // Only what an HTTP call could start counts (plus the sentinel): Schedules (e.g. the webhook
  // sweep every minute) and other suites' monitors start workflows of their own meanwhile.
  const STARTABLE = "WorkflowType = 'tradeInstruction' OR WorkflowType = 'webhookDelivery' OR WorkflowType = 'fuzzSentinel'";
  const workflowCount = () => s.sys.client.workflow.count(STARTABLE).then((r) => r.count);
  const counts = async () => {
    const [workflows, instructions, notifications, reservations] = await Promise.all([
      workflowCount(),
      s.sys.prisma.instruction.count(),
      s.sys.prisma.strategyNotification.count(),
      s.sys.prisma.capitalReservation.count(),
    ]);
    return { workflows, instructions, notifications, reservations };
  };

  it('when thousands of malformed bodies are sent, then every answer is 4xx and nothing starts or is stored', async () => {
    const before = await counts();
    const seen = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const res = await fetch(`${api.url}${r.path}`, { method: 'POST', headers: { ...c.auth, 'content-type': r.type }, body: r.body });
        await res.arrayBuffer();
        seen.set(res.status, (seen.get(res.status) ?? 0) + 1);
        return res.status >= 400 && res.status < 500;
      }),
      { numRuns: 2500 },
    );
    // Visibility is eventually consistent: start one sentinel workflow (no worker polls its
    // queue) and wait until the count shows it; a stray start by the fuzzed calls came before it.
    const sentinel = await s.sys.client.workflow.start('fuzzSentinel', { taskQueue: `fuzz-sentinel-${process.pid}`, workflowId: `fuzz-sentinel-${process.pid}-${Date.now()}` });
    try {
      await until(async () => (await workflowCount()) === before.workflows + 1, 20_000, 'the sentinel workflow in visibility');
      expect(await counts()).to.deep.equal({ ...before, workflows: before.workflows + 1 });
    } finally {
      await sentinel.terminate('fuzz sentinel');
    }
    expect([...seen.values()].reduce((a, b) => a + b, 0)).to.equal(2500);
    expect([...seen.keys()].every((k) => k >= 400 && k < 500)).to.equal(true);
    expect(seen.get(400)).to.be.greaterThan(1000);
  });
});
