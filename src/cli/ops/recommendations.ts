/**
 * `ops recommendations list [--status S] | show <id> | accept <id> --by <name> --reason <text> |
 * dismiss <id> --by <name> --reason <text>`: the operator's side of the feedback loop.
 */
import type { Command } from 'commander';
import { getRecommendation, listRecommendations, type RecommendationStatus } from '../../db/feedback';
import { acceptRecommendation, dismissRecommendation } from '../../feedback/recommendations';
import type { OpsContext } from './context';
import { print } from './output';

export function registerRecommendations(program: Command, ctx: () => OpsContext, json: () => boolean): void {
  const rec = program.command('recommendations').description('proposals of optimisations, A/B tests and models: accept (new config version) or dismiss');
  rec
    .command('list')
    .description('latest first')
    .option('--status <status>', 'PROPOSED, ACCEPTED or DISMISSED')
    .action(async (o: { status?: string }) => {
      if (o.status && !['PROPOSED', 'ACCEPTED', 'DISMISSED'].includes(o.status)) throw new Error(`--status must be PROPOSED, ACCEPTED or DISMISSED, not ${o.status}`);
      const rows = await listRecommendations(ctx().prisma(), o.status as RecommendationStatus | undefined);
      print(
        { recommendations: rows },
        json(),
        rows.map((r) => ({
          id: r.id,
          kind: r.kind,
          status: r.status,
          created: r.createdAt.toISOString(),
          decided_by: r.decidedBy,
          version: r.appliedVersion,
          evidence: (r.evidence as { reason?: string } | null)?.reason ?? '',
        })),
      );
    });
  rec
    .command('show <id>')
    .description('one recommendation with its evidence and proposed configuration')
    .action(async (id: string) => {
      const r = await getRecommendation(ctx().prisma(), id);
      if (!r) throw new Error(`recommendation ${id} not found`);
      print(r, json());
    });
  for (const verb of ['accept', 'dismiss'] as const)
    rec
      .command(`${verb} <id>`)
      .description(verb === 'accept' ? 'apply it: a new protocol configuration version (audited)' : 'refuse it: nothing changes (audited)')
      .requiredOption('--by <name>', 'who decides')
      .requiredOption('--reason <text>', 'why')
      .action(async (id: string, o: { by: string; reason: string }) => {
        const by = `${ctx().actor}:${o.by}`;
        const out = verb === 'accept' ? await acceptRecommendation(ctx().prisma(), id, { by, reason: o.reason }) : await dismissRecommendation(ctx().prisma(), id, { by, reason: o.reason });
        print(out, json());
      });
}
