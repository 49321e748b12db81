/**
 * `ops config show|set|diff|history`: the protocol configuration as data (src/db/protocolConfig.ts).
 * `set` takes a JSON file (a whole configuration, or an override with --family/--account) and/or
 * key=value pairs applied to what is in force now; it needs --reason, and the actor is --by or
 * the CLI user. A change that does not validate prints every problem and writes nothing.
 */
import fs from 'node:fs';
import type { Command } from 'commander';
import { applyAssignments, parseAssignment } from '../../domain/configChange';
import { currentProtocolConfig, protocolConfigDiff, protocolConfigHistory, setProtocolConfig, type ConfigScope } from '../../db/protocolConfig';
import type { OpsContext } from './context';
import { print } from './output';

const scopeOf = (o: { family?: string; account?: string }): ConfigScope => ({ ...(o.family ? { familyId: o.family } : {}), ...(o.account ? { accountId: o.account } : {}) });
const versionArg = (v: string): number => {
  if (!/^\d{1,9}$/.test(v)) throw new Error(`a version is a whole number, got ${v}`);
  return Number(v);
};

export function registerConfigCommands(program: Command, ctx: () => OpsContext, json: () => boolean): void {
  const config = program.command('config').description('the protocol configuration: versioned in PostgreSQL, changed only here and through the operator API');
  const scoped = (c: Command) => c.option('--family <id>', 'an account family (its overrides)').option('--account <id>', 'one account (its overrides; give --family too)');

  scoped(config.command('show').description('the configuration in force now (global, or for a family/account) and its version')).action(async (o: { family?: string; account?: string }) => {
    const { version, config: cfg } = await currentProtocolConfig(ctx().prisma(), scopeOf(o));
    print({ version, scope: scopeOf(o), config: cfg }, json());
  });

  scoped(
    config
      .command('set [assignments...]')
      .description('a new version: key=value pairs (e.g. accounts.GEN.deltaMin=0.3) and/or --file; audited with who and why')
      .option('--file <path>', 'a JSON file: a whole configuration (global) or an override (--family/--account)')
      .requiredOption('--reason <text>', 'why (kept with the version and in the audit log)')
      .option('--by <name>', 'who (default the CLI user)'),
  ).action(async (assignments: string[], o: { file?: string; reason: string; by?: string; family?: string; account?: string }) => {
    if (!o.file && assignments.length === 0) throw new Error('nothing to set: give key=value pairs or --file');
    const scope = scopeOf(o);
    const p = ctx().prisma();
    const fromFile: unknown = o.file ? JSON.parse(fs.readFileSync(o.file, 'utf8')) : undefined;
    // Global: edits apply to the whole configuration in force; a family/account: to its override.
    const base = fromFile ?? (scope.familyId || scope.accountId ? ((await protocolConfigHistory(p, scope, 1))[0]?.config ?? {}) : (await currentProtocolConfig(p)).config);
    const next = applyAssignments(base, assignments.map(parseAssignment));
    const r = await setProtocolConfig(p, { config: next, actor: o.by ?? ctx().actor, reason: o.reason, scope });
    print(
      { version: r.version, scope, changes: r.changes },
      json(),
      r.changes.map((c) => ({ path: c.path, from: JSON.stringify(c.from), to: JSON.stringify(c.to) })),
    );
  });

  scoped(
    config
      .command('diff')
      .description('what changed between two versions (default: the latest change)')
      .option('--from <version>', 'older version (0 = built-in defaults)', versionArg)
      .option('--to <version>', 'newer version (default the latest)', versionArg),
  ).action(async (o: { from?: number; to?: number; family?: string; account?: string }) => {
    const d = await protocolConfigDiff(ctx().prisma(), { from: o.from, to: o.to, scope: scopeOf(o) });
    print(
      d,
      json(),
      d.changes.map((c) => ({ path: c.path, from: JSON.stringify(c.from), to: JSON.stringify(c.to) })),
    );
  });

  scoped(config.command('history').description('every version, newest first: who, when, why').option('--limit <n>', 'how many (default 50)', versionArg)).action(
    async (o: { limit?: number; family?: string; account?: string }) => {
      const scope = scopeOf(o);
      const rows = await protocolConfigHistory(ctx().prisma(), scope.familyId || scope.accountId ? scope : undefined, o.limit ?? 50);
      print(
        { versions: rows },
        json(),
        rows.map((r) => ({ version: r.version, scope: r.scope, actor: r.actor, reason: r.reason, createdAt: r.createdAt })),
      );
    },
  );
}
