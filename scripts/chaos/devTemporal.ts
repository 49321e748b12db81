/**
 * The Temporal dev server as a restartable Temporal server for the chaos run: its SQLite file
 * (WAL) stays in the run's directory, so a dev server started again on the same file and port
 * after a SIGKILL resumes every workflow.
 */
import path from 'node:path';
import { ensureTemporalCli } from '../../temporal/cli';
import { startDevServer, type DevServer } from '../../temporal/devServer';
import type { TemporalServerProcess } from '../../temporal/cluster';

export async function startRestartableDevServer(dir: string, port: number, log: (l: string) => void): Promise<TemporalServerProcess> {
  const cliPath = await ensureTemporalCli(undefined, log);
  const opts = { cliPath, dbFile: path.join(dir, 'temporal-dev.sqlite'), port, logFile: path.join(dir, 'temporal-dev.log') };
  let server: DevServer = await startDevServer(opts);
  const handle: TemporalServerProcess = {
    address: server.address,
    metricsUrl: '',
    process: server.process,
    async restart() {
      server = await startDevServer(opts);
      handle.process = server.process;
    },
    stop: () => server.stop(),
  };
  return handle;
}
