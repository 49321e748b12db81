import { expect } from 'chai';
import { renderDocs } from '../../src/api/docsPage';
import { openApiDocument } from '../../src/api/openapi';
import { instructionAckSchema, orderStatusSchema, performanceSchema, positionsSchema, requestDataSchema, SEED } from '../../src/contracts/api';
import { tradeInstructionSchema, TRADE_ACTIONS } from '../../src/contracts/instruction';
import { capitalOf } from '../../activities/risk';
import type { Json } from '../integration/_system';

const BASE = '/api/v1/starlab_interface';

describe('api contract (OpenAPI from the zod schemas)', () => {
  const doc = openApiDocument() as Record<string, Json>;

  it('when generated, then it is OpenAPI 3.1 with every STAR-LAB endpoint', () => {
    expect(doc.openapi).to.equal('3.1.0');
    expect(Object.keys(doc.paths)).to.have.members([
      `${BASE}/trading/submit_trade_instruction`,
      `${BASE}/trading/order_status/{all_use_order_id}`,
      `${BASE}/trading/positions/{starlab_strategy_id}`,
      `${BASE}/trading/performance/{starlab_strategy_id}`,
      `${BASE}/trading/cancel_order/{all_use_order_id}`,
      `${BASE}/data_notifications/request_data`,
      `${BASE}/data_notifications/notify_validated_strategy`,
      `${BASE}/data_notifications/notify_validated_strategy/{notification_id}`,
      `${BASE}/webhooks`,
      `${BASE}/webhooks/{id}`,
      '/api/v1/oauth/token',
    ]);
    expect(Object.keys(doc.paths[`${BASE}/webhooks`])).to.have.members(['get', 'post']);
    expect(Object.keys(doc.paths[`${BASE}/data_notifications/notify_validated_strategy`])).to.have.members(['get', 'post']);
    expect(doc.webhooks.instructionStatus.post.requestBody.content['application/json'].schema.$ref).to.equal('#/components/schemas/WebhookEvent');
    const ti = doc.components.schemas.TradeInstruction;
    expect(ti.properties.trade_action.enum).to.have.members([...TRADE_ACTIONS]);
    expect(ti.required).to.include.members(['starlab_strategy_id', 'scheme_type', 'symbol', 'trade_action', 'quantity', 'order_type', 'time_in_force', 'client_order_id']);
  });

  it("when the seed's examples are checked against the schemas, then each one is valid", () => {
    expect(tradeInstructionSchema.safeParse(SEED.instruction).success).to.equal(true);
    expect(instructionAckSchema.safeParse(SEED.ack).success).to.equal(true);
    expect(orderStatusSchema.safeParse(SEED.orderStatus).success).to.equal(true);
    expect(positionsSchema.safeParse(SEED.positions).success).to.equal(true);
    expect(performanceSchema.safeParse(SEED.performance).success).to.equal(true);
    const submit = doc.paths[`${BASE}/trading/submit_trade_instruction`].post;
    expect(submit.requestBody.content['application/json'].example).to.deep.equal(SEED.instruction);
    expect(submit.responses['201'].content['application/json'].example).to.deep.equal(SEED.ack);
  });

  it('when a data request names an unknown data_type, then it is invalid', () => {
    expect(requestDataSchema.safeParse({ data_type: 'NEWS', symbol: 'AAPL' }).success).to.equal(false);
    expect(requestDataSchema.safeParse({ data_type: 'QUOTE', symbol: 'AAPL' }).success).to.equal(true);
  });

  it('when rendered, then the docs page is self-contained HTML naming every path', () => {
    const html = renderDocs(doc);
    expect(html).to.match(/^<!doctype html>/);
    expect(html).not.to.match(/<script|https?:\/\/(?!.*openapi)/i);
    for (const p of Object.keys(doc.paths)) expect(html).to.contain(p.replace(/&/g, '&#38;'));
  });

  it('when an opening order is sized, then its reserved capital follows the protocol', () => {
    const base = { symbol: 'AAPL', quantity: 2 };
    expect(capitalOf({ ...base, action: 'SELL_TO_OPEN_PUT', strikeCents: 15000 }, 100)).to.equal(3_000_000);
    expect(capitalOf({ ...base, action: 'BUY_TO_OPEN_CALL', limitPriceCents: 250 }, 100)).to.equal(50_000);
    expect(capitalOf({ ...base, action: 'BUY_STOCK', limitPriceCents: 10_000 }, 100)).to.equal(20_000);
    expect(capitalOf({ ...base, action: 'SELL_TO_OPEN_CALL', strikeCents: 15000 }, 100)).to.equal(0);
    expect(capitalOf({ ...base, action: 'SELL_TO_CLOSE_CALL', limitPriceCents: 100 }, 100)).to.equal(0);
  });
});
