/**
 * The chaos run's verdicts, read after it: which acknowledged instructions never reached a
 * final recorded state (lost), which got more than one broker order (counted at the simulator
 * by orderRef = instruction id), and whether the books equal the broker to the cent: net
 * position per contract, cash (src/db/books.ts bookCashCents: opening balance + fills +
 * lifecycle) and realised P&L.
 */
import pg from 'pg';
import { TERMINAL_STATUSES } from '../../src/contracts/orderStatus';
import { bookCashCents } from '../../src/db/books';
import type { PrismaClient } from '../../src/db/client';

const cents = (x: number) => Math.round(x * 100);
const contractKey = (p: { symbol: string; secType: string; expiry?: string | null; strike?: number | string | null; right?: string | null }) =>
  `${p.symbol}|${p.secType}|${p.expiry ?? ''}|${Number(p.strike ?? 0)}|${p.right ?? ''}`;

async function sim<T>(adminUrl: string, route: string): Promise<T> {
  const r = await fetch(`${adminUrl}${route}`);
  if (!r.ok) throw new Error(`simulator ${route}: ${r.status}`);
  return (await r.json()) as T;
}

async function withPg<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** Acknowledged instructions without a row in a final status (FILLED, CANCELLED, REJECTED). */
export async function lostInstructions(databaseUrl: string, ids: readonly string[]): Promise<{ id: string; status: string }[]> {
  const rows = await withPg(databaseUrl, (c) => c.query<{ id: string; status: string }>('SELECT id, status FROM instructions WHERE id = ANY($1)', [ids]));
  const status = new Map(rows.rows.map((r) => [r.id, r.status]));
  return ids.filter((id) => !(TERMINAL_STATUSES as readonly string[]).includes(status.get(id) ?? '')).map((id) => ({ id, status: status.get(id) ?? 'MISSING' }));
}

/** Instructions with more than one broker order, and the broker's orders in all. */
export async function duplicatedOrders(adminUrl: string): Promise<{ duplicated: string[]; brokerOrders: number }> {
  const orders = await sim<{ orderRef: string }[]>(adminUrl, '/orders');
  const per = new Map<string, number>();
  for (const o of orders) per.set(o.orderRef, (per.get(o.orderRef) ?? 0) + 1);
  return { duplicated: [...per].filter(([ref, n]) => ref && n > 1).map(([ref]) => ref), brokerOrders: orders.length };
}

export interface BooksComparison {
  books_equal: boolean;
  positions: { contract: string; books: number; broker: number }[];
  cash_cents: { books: number | null; broker: number };
  realized_pnl_cents: { books: number; broker: number };
}

export async function compareBooks(prisma: PrismaClient, databaseUrl: string, adminUrl: string): Promise<BooksComparison> {
  const [brokerPositions, account, executions] = await Promise.all([
    sim<{ symbol: string; secType: string; expiry?: string; strike?: number; right?: string; quantity: number }[]>(adminUrl, '/positions'),
    sim<{ cash: number }>(adminUrl, '/account'),
    sim<{ realizedPnl?: number }[]>(adminUrl, '/executions'),
  ]);
  const { rows, realized } = await withPg(databaseUrl, async (c) => ({
    rows: (
      await c.query<{ symbol: string; sec_type: string; expiry: string; strike: string; right: string; quantity: string }>(
        'SELECT symbol, sec_type, expiry, strike::text AS strike, "right", SUM(quantity)::text AS quantity FROM positions GROUP BY 1, 2, 3, 4, 5',
      )
    ).rows,
    realized: Number((await c.query<{ s: string | null }>('SELECT SUM(realized_pnl_cents)::text AS s FROM positions')).rows[0]?.s ?? 0),
  }));
  const books = new Map<string, number>();
  for (const r of rows) books.set(contractKey({ symbol: r.symbol, secType: r.sec_type, expiry: r.expiry, strike: r.strike, right: r.right }), Number(r.quantity));
  const broker = new Map<string, number>();
  for (const p of brokerPositions) broker.set(contractKey(p), (broker.get(contractKey(p)) ?? 0) + p.quantity);
  const positions = [...new Set([...books.keys(), ...broker.keys()])]
    .map((contract) => ({ contract, books: books.get(contract) ?? 0, broker: broker.get(contract) ?? 0 }))
    .filter((p) => p.books !== 0 || p.broker !== 0);
  const cash = { books: await bookCashCents(prisma), broker: cents(account.cash) };
  const pnl = { books: realized, broker: executions.reduce((s, e) => s + cents(e.realizedPnl ?? 0), 0) };
  const equal = positions.every((p) => p.books === p.broker) && cash.books === cash.broker && pnl.books === pnl.broker;
  return { books_equal: equal, positions, cash_cents: cash, realized_pnl_cents: pnl };
}
