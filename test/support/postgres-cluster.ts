// A throwaway PostgreSQL cluster for the test run: initdb into a temporary
// directory, start on a free loopback port, remove everything afterwards.
// PostgreSQL refuses to run as root, so as root it runs as the `postgres` user.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';

export function findPostgresBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
  return versions.map((v) => join(root, v, 'bin')).find((bin) => existsSync(join(bin, 'initdb')));
}

export interface Cluster {
  url: string;
  stop(): void;
}

/** A cluster a fault test may stop, restart and freeze without disturbing other test files. */
export interface ControllableCluster extends Cluster {
  /** `pg_ctl restart -m fast`: connections are cut, committed data stays. */
  restart(): Promise<void>;
  /** Stops the server (fast shutdown); `start()` brings it back on the same port. */
  shutDown(): Promise<void>;
  start(): Promise<void>;
  /** SIGSTOP / SIGCONT to every process of the cluster: a frozen server answers nothing. */
  freeze(): void;
  thaw(): void;
}

export interface ClusterOptions {
  /** Durable commits (synchronous_commit=on, fsync=on) for tests of what survives a restart. */
  durable?: boolean;
}

export async function startCluster(bin: string, options: ClusterOptions = {}): Promise<ControllableCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'charcha-pg-'));
  const dataDir = join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  let uid = 0;
  let gid = 0;
  if (asRoot) {
    uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dir, uid, gid);
    chmodSync(dir, 0o700);
  }
  const run = (program: string, args: string[]) => {
    const result = spawnSync(join(bin, program), args, { cwd: dir, encoding: 'utf8', ...(asRoot ? { uid, gid } : {}) });
    if (result.status !== 0) throw new Error(`${program} failed: ${result.stderr || result.stdout || result.error}`);
  };
  const port = await freePort();
  run('initdb', ['-D', dataDir, '--auth=trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  // Durability is irrelevant for the shared throwaway cluster; speed is not.
  const durability = options.durable ? '-c fsync=on -c synchronous_commit=on' : '-c fsync=off -c synchronous_commit=off -c full_page_writes=off';
  const serverOptions = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 ${durability} -c max_connections=300`;
  // Asynchronous, so the test's own clients keep sending requests while the server goes down and up.
  const pgCtl = (...args: string[]) =>
    new Promise<void>((resolve, reject) => {
      const child = spawn(join(bin, 'pg_ctl'), ['-D', dataDir, '-l', join(dir, 'log'), ...args], { cwd: dir, stdio: 'ignore', ...(asRoot ? { uid, gid } : {}) });
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`pg_ctl ${args.join(' ')} exited with ${code}`))));
    });
  const signalAll = (signal: NodeJS.Signals) => {
    const postmaster = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    const children = spawnSync('pgrep', ['-P', String(postmaster)], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean).map(Number);
    for (const pid of [postmaster, ...children]) process.kill(pid, signal);
  };
  await pgCtl('-w', 'start', '-o', serverOptions);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    restart: () => pgCtl('-w', '-m', 'fast', 'restart', '-o', serverOptions),
    shutDown: () => pgCtl('-w', '-m', 'fast', 'stop'),
    start: () => pgCtl('-w', 'start', '-o', serverOptions),
    freeze: () => signalAll('SIGSTOP'),
    thaw: () => signalAll('SIGCONT'),
    stop() {
      spawnSync(join(bin, 'pg_ctl'), ['-D', dataDir, '-m', 'immediate', 'stop'], { cwd: dir, ...(asRoot ? { uid, gid } : {}) });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
