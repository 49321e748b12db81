/**
 * Replays the committed workflow histories (test/replay/histories/*.json, recorded by
 * scripts/record-histories.ts from real runs) against the current workflow bundle. A change
 * that alters a workflow's command sequence incompatibly fails here with a nondeterminism
 * error: version the change (patched) or re-record the fixtures on purpose.
 * `<type>.json` is the oldest recorded history of each type, kept so the histories running
 * since then keep replaying; `<type>.<patch>.json` is one recorded after that patch (the new
 * path), so both sides of every `patched()` branch are replayed. Every file here is replayed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { expect } from 'chai';
import { workflowBundle } from '../../src/worker';
import { historyFromObject } from './historyFile';

const DIR = path.join(__dirname, 'histories');
const EXPECTED = ['tradeInstruction', 'tripleForkRebalance', 'weeklyCycle'];
const FILES = fs
  .readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .map((f) => f.replace(/\.json$/, ''))
  .sort();

describe('workflow history replay (determinism)', function () {
  this.timeout(120_000);
  before(() => {
    try {
      Runtime.install({ logger: new DefaultLogger('WARN') });
    } catch {
      // installed by another test of this run
    }
  });

  it('when the fixtures are listed, then every recorded workflow type has one', () => {
    expect(FILES).to.include.members(EXPECTED);
  });

  for (const name of FILES) {
    it(`when the ${name} history is replayed against the current code, then it is deterministic`, async () => {
      const file = path.join(DIR, `${name}.json`);
      const { workflowId, history } = JSON.parse(fs.readFileSync(file, 'utf8')) as { workflowId: string; history: unknown };
      // Throws DeterminismViolationError (or the workflow's own failure) on an incompatible change.
      await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, historyFromObject(history), workflowId);
    });
  }
});
