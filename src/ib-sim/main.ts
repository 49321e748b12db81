/**
 * CLI entry: `npm run ib-sim`. Settings come from the environment and are validated before
 * anything listens, so a typo fails at start instead of producing a silently different sim.
 *   IB_PORT (4002)  IB_SIM_ADMIN_PORT (4003; "none" disables)  IB_SIM_CLOCK (open|exchange|manual)
 *   IB_SIM_SEED (integer)  IB_SIM_HOST (127.0.0.1)  IB_SIM_ACCOUNT (DU1234567)
 *   IB_SIM_PRICES ("AAPL=200,TSLA=250")  IB_SIM_START (ISO time where the manual clock starts)
 *   DATA_DIR (./data: the account is kept in <DATA_DIR>/ib-sim-account.json)
 *   IB_SIM_FRESH=1 or `npm run ib-sim -- --fresh`: start with a new, empty account
 */
import path from 'node:path';
import { startSimulator, SimulatorOptions } from './index';

function port(name: string, def: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${name}="${raw}" is not a port number (0-65535)`);
  return n;
}

export function readEnv(argv: string[] = process.argv.slice(2)): SimulatorOptions {
  const clock = process.env.IB_SIM_CLOCK || 'open';
  if (clock !== 'open' && clock !== 'exchange' && clock !== 'manual') throw new Error(`IB_SIM_CLOCK="${clock}" must be open, exchange or manual`);
  const seedRaw = process.env.IB_SIM_SEED;
  const seed = seedRaw === undefined || seedRaw === '' ? undefined : Number(seedRaw);
  if (seed !== undefined && !Number.isInteger(seed)) throw new Error(`IB_SIM_SEED="${seedRaw}" is not an integer`);
  const adminRaw = process.env.IB_SIM_ADMIN_PORT;
  const adminPort = adminRaw === 'none' ? null : port('IB_SIM_ADMIN_PORT', 4003);
  const host = process.env.IB_SIM_HOST || '127.0.0.1';
  // The simulator has no authentication: keep it on loopback.
  if (!['127.0.0.1', '::1', 'localhost'].includes(host)) throw new Error(`IB_SIM_HOST="${host}" must be a loopback address`);
  const prices: Record<string, number> = {};
  for (const pair of (process.env.IB_SIM_PRICES ?? '').split(',').filter((s) => s.trim())) {
    const [sym, val] = pair.split('=');
    const p = Number(val);
    if (!sym?.trim() || !(p > 0)) throw new Error(`IB_SIM_PRICES entry "${pair}" must look like SYMBOL=123.45`);
    prices[sym.trim().toUpperCase()] = p;
  }
  const start = process.env.IB_SIM_START;
  if (start && Number.isNaN(Date.parse(start))) throw new Error(`IB_SIM_START="${start}" is not an ISO date-time`);
  const unknown = argv.filter((a) => a !== '--fresh');
  if (unknown.length) throw new Error(`unknown argument ${unknown[0]} (the only flag is --fresh)`);
  const freshEnv = process.env.IB_SIM_FRESH ?? '';
  if (!['', '0', '1', 'true', 'false'].includes(freshEnv)) throw new Error(`IB_SIM_FRESH="${freshEnv}" must be 1/true or 0/false`);
  const fresh = argv.includes('--fresh') || freshEnv === '1' || freshEnv === 'true';
  const stateFile = path.join(process.env.DATA_DIR || path.resolve(__dirname, '..', '..', 'data'), 'ib-sim-account.json');
  return { port: port('IB_PORT', 4002), adminPort, clock, seed, host, account: process.env.IB_SIM_ACCOUNT || undefined, log: true, prices, startTime: start || undefined, stateFile, fresh };
}

async function main(): Promise<void> {
  let opts: SimulatorOptions;
  try {
    opts = readEnv();
  } catch (e) {
    process.stderr.write(`ib-sim: ${(e as Error).message}\n`);
    process.exit(2);
  }
  const sim = await startSimulator(opts);
  process.stdout.write(`ib-sim: TWS API on ${opts.host}:${sim.port}` + (sim.adminPort ? `, admin http://${opts.host}:${sim.adminPort}` : '') + ` (clock ${opts.clock})\n`);
  let stopping = false;
  const stop = (sig: string): void => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`ib-sim: ${sig}, stopping\n`);
    sim.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
    setTimeout(() => process.exit(1), 3000).unref();
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

if (require.main === module) {
  main().catch((e: unknown) => {
    process.stderr.write(`ib-sim: failed to start: ${(e as Error).message}\n`);
    process.exit(1);
  });
}
