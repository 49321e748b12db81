/**
 * Shared by the ops-* integration tests: an API on port 0 over the shared system with the
 * operator API enabled, a fetch helper with the operator token, and an instruction body.
 */
import { createApp, startServer, type RunningServer } from '../../src/api/app';
import { allUseOrderId, requestHash } from '../../src/contracts/ids';
import { parseTradeInstruction } from '../../src/contracts/instruction';
import { INSTRUCTION_INPUT_VERSION, type TradeInstructionInput } from '../../src/contracts/workflows/tradeInstruction';
import { createLogger } from '../../src/logger';
import type { System } from '../../src/system';
import { seedInstruction } from '../fixtures/instructions';
import type { Json } from './_system';

import { OPERATOR_TOKEN } from './_system';

export { OPERATOR_TOKEN };

export async function operatorApi(sys: System, logger = createLogger('test', 'error')): Promise<RunningServer> {
  const app = createApp({ temporal: sys.client, prisma: sys.prisma, taskQueue: sys.config.temporalTaskQueue, logger, broker: sys.broker, operatorToken: OPERATOR_TOKEN });
  return startServer(app, 0);
}

export async function call(base: string, method: string, urlPath: string, body?: unknown, token: string | null = OPERATOR_TOKEN) {
  const res = await fetch(`${base}${urlPath}`, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json: Json = text;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON (html, csv, metrics)
  }
  return { status: res.status, body: json, text, headers: res.headers };
}

let n = 0;
export const uniq = (p: string) => `${p}_${process.pid}_${Date.now()}_${n++}`;

export const instruction = (coid: string, over: Record<string, unknown> = {}) =>
  seedInstruction({ starlab_strategy_id: `OPS_${process.pid}`, scheme_type: 'WIS', client_order_id: coid, account_tag: 'STARLAB_OPS', ...over });

export const TRADING = '/api/v1/starlab_interface/trading';

/**
 * The workflow input the API starts for `instruction(coid, over)` from the client 'local': the body
 * parsed as the API parses it, its request hash, its id. For tests that start or run a step past the door.
 */
export function apiInput(coid: string, over: Record<string, unknown> = {}): TradeInstructionInput {
  const parsed = parseTradeInstruction(instruction(coid, over));
  if (!parsed.success) throw new Error(JSON.stringify(parsed.errors));
  return {
    allUseOrderId: allUseOrderId('local', coid),
    clientName: 'local',
    source: 'STARLAB',
    requestHash: requestHash(parsed.data),
    instruction: parsed.data,
    receivedAt: new Date().toISOString(),
    inputVersion: INSTRUCTION_INPUT_VERSION,
  };
}
