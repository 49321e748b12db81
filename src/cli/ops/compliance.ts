/**
 * Issue-18 ops commands, registered on the ops program by one line in src/cli/ops.ts:
 *   webhooks add|list|remove|deliveries   STAR-LAB webhook endpoints and their deliveries
 *   audit                                 the audit log (filters, --cursor pagination; --json | --csv)
 *   notifications [list] | accept | dismiss   validated-strategy notifications
 *   compliance                            the risk and compliance report for a range
 * With --json every command prints one JSON object as its last line.
 */
import fs from 'node:fs';
import { Option, type Command } from 'commander';
import { webhookUrlProblem } from '../../contracts/webhookApi';
import { auditBound, auditCsv, queryAudit } from '../../db/audit';
import { decideNotification, queryNotifications } from '../../db/notifications';
import { dispatchWebhooks } from '../../webhooks/dispatch';
import { apiClientExists, createWebhookEndpoint, requeueDeadDelivery, listDeliveries, listWebhookEndpoints, removeWebhookEndpoint } from '../../db/webhooks';
import { writeAudit } from '../../db/audit';
import { produceComplianceReport } from '../../reports/compliance';
import { complianceCsv, complianceHtml } from '../../reports/complianceRender';
import { DATE_RE } from '../../reports/period';
import type { OpsContext } from './context';
import { print } from './output';

const line = (v: unknown) => process.stdout.write(`${JSON.stringify(v)}\n`);
const int = (name: string, min: number, max: number) => (v: string) => {
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw new Error(`${name}: a whole number from ${min} to ${max}, got ${v}`);
  return Number(v);
};
const date = (v: string): string => {
  if (!DATE_RE.test(v) || Number.isNaN(Date.parse(v))) throw new Error(`not a date (YYYY-MM-DD): ${v}`);
  return v;
};
const reason = (v: string) => {
  if (!v.trim() || v.length > 1000) throw new Error('--reason: 1 to 1000 characters');
  return v;
};
const who = (v: string) => {
  if (!/^[\w.@-]{1,64}$/.test(v)) throw new Error(`--by: letters, digits and _ . @ - (at most 64), got ${v}`);
  return v;
};

export function registerComplianceCommands(program: Command, ctx: () => OpsContext): void {
  const json = () => Boolean(program.opts().json);

  const wh = program.command('webhooks').description('STAR-LAB webhook endpoints (status pushed to STAR-LAB) and their deliveries');
  wh.command('add')
    .description('register an endpoint for a client; prints its id and signing secret (shown only now)')
    .requiredOption('--client <name>', 'STAR-LAB client name (as in `keys list`)')
    .requiredOption('--url <url>', 'https URL (plain http only to 127.0.0.0/8, ::1, localhost)')
    .action(async (o: { client: string; url: string }) => {
      const problem = webhookUrlProblem(o.url);
      if (problem) throw new Error(`--url: ${problem}`);
      if (!/^[\w.:-]{1,100}$/.test(o.client)) throw new Error(`--client: not a client name: ${o.client}`);
      const c = ctx();
      // 'local' is the client of AUTH_MODE=open (loopback development); any other must exist.
      if (o.client !== 'local' && !(await apiClientExists(c.prisma(), o.client))) throw new Error(`--client: no STAR-LAB client named ${o.client} (see \`ops keys list\`)`);
      const created = await createWebhookEndpoint(c.prisma(), { clientName: o.client, url: o.url, createdBy: c.actor });
      await writeAudit(c.prisma(), { actor: c.actor, action: 'WEBHOOK_REGISTERED', target: created.id, outcome: 'OK', detail: { client: o.client, url: o.url } });
      if (json()) line(created);
      else process.stdout.write(`endpoint ${created.id} for ${created.client}: ${created.url}\nsigning secret (shown only now; give it to the receiver): ${created.secret}\n`);
    });
  wh.command('list')
    .description('endpoints (never their secrets)')
    .option('--client <name>', 'one client')
    .option('--all', 'include removed endpoints')
    .action(async (o: { client?: string; all?: boolean }) => {
      const rows = await listWebhookEndpoints(ctx().prisma(), o.client, Boolean(o.all));
      if (json()) line({ items: rows });
      else print({ items: rows }, false, rows as unknown as Record<string, unknown>[]);
    });
  wh.command('remove <id>')
    .description('stop delivering to an endpoint (its pending deliveries are dead-lettered)')
    .action(async (id: string) => {
      const c = ctx();
      if (!(await removeWebhookEndpoint(c.prisma(), id))) throw new Error(`endpoint ${id} not found (or already removed)`);
      await writeAudit(c.prisma(), { actor: c.actor, action: 'WEBHOOK_REMOVED', target: id, outcome: 'OK' });
      if (json()) line({ id, removed: true });
      else process.stdout.write(`removed ${id}\n`);
    });
  wh.command('deliveries')
    .description('deliveries newest first; --dead for the dead-lettered ones')
    .option('--dead', 'only dead-lettered deliveries')
    .addOption(new Option('--status <status>', 'PENDING | DELIVERED | DEAD').choices(['PENDING', 'DELIVERED', 'DEAD']))
    .option('--client <name>', 'one client')
    .option('--instruction <id>', 'one instruction (all_use_order_id)')
    .option('--limit <n>', 'how many (default 100)', int('--limit', 1, 1000))
    .action(async (o: { dead?: boolean; status?: string; client?: string; instruction?: string; limit?: number }) => {
      const rows = await listDeliveries(ctx().prisma(), { status: o.dead ? 'DEAD' : o.status, client: o.client, instructionId: o.instruction, limit: o.limit });
      if (json()) line({ items: rows });
      else print({ items: rows }, false, rows as unknown as Record<string, unknown>[], ['id', 'client', 'instruction_id', 'sequence', 'type', 'status', 'attempts', 'last_error', 'created_at']);
    });

  wh.command('redeliver <deliveryId>')
    .description('send a dead-lettered delivery again (needs Temporal); audited')
    .action(async (id: string) => {
      const c = ctx();
      const targets = await requeueDeadDelivery(c.prisma(), id);
      if (!targets) throw new Error(`delivery ${id} is unknown or not dead-lettered`);
      await dispatchWebhooks(await c.temporal(), c.config.temporalTaskQueue, targets);
      await writeAudit(c.prisma(), { actor: c.actor, action: 'WEBHOOK_REDELIVERED', target: id, outcome: 'OK' });
      if (json()) line({ id, status: 'PENDING' });
      else process.stdout.write(`${id}: queued again\n`);
    });

  program
    .command('audit')
    .description('the audit log, newest first (--from/--to: dates, UTC days, or ISO timestamps)')
    .option('--from <when>', 'from (inclusive)')
    .option('--to <when>', 'to (a date includes that whole day)')
    .option('--actor <actor>', 'e.g. cli:alice, operator:api, a client name')
    .option('--action <action>', 'e.g. AUTH_DENIED, TRADING_HALTED, KEY_REVOKED')
    .option('--target <target>', 'e.g. an order id or a client')
    .option('--outcome <outcome>', 'OK | DENIED | FAILED')
    .option('--limit <n>', 'rows per page (default 100)', int('--limit', 1, 1000))
    .option('--cursor <cursor>', 'next_cursor of the previous page')
    .option('--csv', 'CSV instead of a table (the next cursor goes to stderr)')
    .action(async (o: { from?: string; to?: string; actor?: string; action?: string; target?: string; outcome?: string; limit?: number; cursor?: string; csv?: boolean }) => {
      const page = await queryAudit(ctx().prisma(), {
        from: o.from ? auditBound(o.from, false) : undefined,
        to: o.to ? auditBound(o.to, true) : undefined,
        actor: o.actor,
        action: o.action,
        target: o.target,
        outcome: o.outcome,
        limit: o.limit,
        cursor: o.cursor,
      });
      if (o.csv) {
        process.stdout.write(auditCsv(page.items));
        if (page.next_cursor) process.stderr.write(`next_cursor: ${page.next_cursor}\n`);
      } else if (json()) line(page);
      else {
        print(
          page,
          false,
          page.items.map((i) => ({ ...i, detail: JSON.stringify(i.detail) })),
          ['id', 'created_at', 'actor', 'action', 'target', 'outcome', 'detail'],
        );
        if (page.next_cursor) process.stdout.write(`next: --cursor ${page.next_cursor}\n`);
      }
    });

  const ntf = program
    .command('notifications')
    .description('validated-strategy notifications from STAR-LAB: list (default), accept, dismiss')
    .addOption(new Option('--status <status>', 'NEW | ACCEPTED | DISMISSED').choices(['NEW', 'ACCEPTED', 'DISMISSED']))
    .option('--client <name>', 'one client')
    .option('--limit <n>', 'per page (default 100)', int('--limit', 1, 1000))
    .option('--cursor <cursor>', 'next_cursor of the previous page')
    .action(async (o: { status?: string; client?: string; limit?: number; cursor?: string }) => {
      const page = await queryNotifications(ctx().prisma(), { status: o.status, clientName: o.client, limit: o.limit, cursor: o.cursor });
      if (json()) line(page);
      else {
        print(page, false, page.items as unknown as Record<string, unknown>[], ['id', 'created_at', 'client_name', 'starlab_strategy_id', 'title', 'status', 'decided_by', 'decision_reason']);
        if (page.next_cursor) process.stdout.write(`next: --cursor ${page.next_cursor}\n`);
      }
    });
  for (const [verb, decision] of [
    ['accept', 'ACCEPTED'],
    ['dismiss', 'DISMISSED'],
  ] as const) {
    ntf
      .command(`${verb} <id>`)
      .description(`${verb} a notification (once), with a reason; audited. Never places an order.`)
      .requiredOption('--by <name>', 'who decides')
      .requiredOption('--reason <text>', 'why', reason)
      .action(async (id: string, o: { by: string; reason: string }) => {
        const out = await decideNotification(ctx().prisma(), id, { decision, by: `cli:${who(o.by)}`, reason: o.reason });
        if (!out.ok) throw new Error(out.code === 'NOT_FOUND' ? `notification ${id} not found` : `notification ${id} is already ${out.status ?? 'decided'}`);
        if (json()) line(out.item);
        else print(out.item, false);
      });
  }

  program
    .command('compliance')
    .description('the risk and compliance report for New York dates --from..--to (computed now)')
    .requiredOption('--from <date>', 'first day', date)
    .requiredOption('--to <date>', 'last day', date)
    .option('--csv', 'CSV')
    .option('--html', 'HTML with charts')
    .option('--out <file>', 'write to a file')
    .option('--store', 'also store it (as the daily schedule does)')
    .action(async (o: { from: string; to: string; csv?: boolean; html?: boolean; out?: string; store?: boolean }) => {
      if (o.from > o.to) throw new Error('--from must not be after --to');
      const r = await produceComplianceReport(ctx().prisma(), o.from, o.to, Boolean(o.store));
      const text = o.csv ? complianceCsv(r) : o.html ? complianceHtml(r) : `${JSON.stringify(r)}\n`;
      if (o.out) {
        fs.writeFileSync(o.out, text);
        process.stderr.write(`wrote ${o.out}\n`);
      } else process.stdout.write(text);
    });
}
