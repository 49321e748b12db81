/**
 * A throw-away PostgreSQL cluster of the chaos run's own (initdb into a temporary directory,
 * pg_ctl on a free port): restarting it never touches the machine's server. Run as the
 * `postgres` OS user when this process is root (initdb refuses root).
 */
import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../../temporal/devServer';

const run = promisify(execFile);

/** The first PostgreSQL bin directory with initdb: PG_BIN, else the newest under /usr/lib/postgresql. */
function pgBin(): string {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const root = '/usr/lib/postgresql';
  const versions = fs.existsSync(root) ? fs.readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  for (const v of versions) if (fs.existsSync(path.join(root, v, 'bin', 'initdb'))) return path.join(root, v, 'bin');
  throw new Error('no PostgreSQL server binaries (initdb, pg_ctl) found: install them or set PG_BIN');
}

export interface ThrowawayPostgres {
  port: number;
  /** postgresql://postgres@127.0.0.1:<port>/<db> */
  url(db: string): string;
  /** Stops it like a crash (`pg_ctl stop -m immediate`: no checkpoint, recovery at start) and starts it again. */
  restart(): Promise<void>;
  /** Stops it and removes its directory. */
  destroy(): Promise<void>;
  /** Stops it at once, synchronously (`-m immediate`): the last resort of a second Ctrl-C. */
  stopNow(): void;
}

export async function startThrowawayPostgres(dir: string): Promise<ThrowawayPostgres> {
  const bin = pgBin();
  const asRoot = process.getuid?.() === 0;
  const pgRun = (tool: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', path.join(bin, tool), ...args], { maxBuffer: 8 << 20 }) : run(path.join(bin, tool), args, { maxBuffer: 8 << 20 });
  fs.mkdirSync(dir, { recursive: true });
  if (asRoot) await run('chown', ['-R', 'postgres', dir]);
  const data = path.join(dir, 'data');
  const log = path.join(dir, 'postgres.log');
  await pgRun('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-sync']);
  const port = await freePort();
  // Enough connections for Temporal Server (two stores), two workers and two APIs (pools of 10) and this process.
  const opts = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${dir} -c max_connections=300 -c fsync=on -c shared_buffers=64MB`;
  const start = () => pgRun('pg_ctl', ['-D', data, '-l', log, '-o', opts, '-w', '-t', '60', 'start']);
  await start();
  return {
    port,
    url: (db) => `postgresql://postgres@127.0.0.1:${port}/${db}`,
    async restart() {
      await pgRun('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      await start();
    },
    stopNow() {
      const pgCtl = path.join(bin, 'pg_ctl');
      const args = ['-D', data, '-m', 'immediate', '-w', '-t', '10', 'stop'];
      spawnSync(asRoot ? 'runuser' : pgCtl, asRoot ? ['-u', 'postgres', '--', pgCtl, ...args] : args, { stdio: 'ignore', timeout: 15_000 });
    },
    async destroy() {
      await pgRun('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '30', 'stop']).catch(() => undefined);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
