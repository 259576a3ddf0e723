// A throwaway PostgreSQL cluster for the PostgreSQL configurations: initdb
// into a temporary directory, start on a free loopback port, stop and remove
// it when the bench exits. As in test/support/postgres-cluster.ts (which the
// plain-JavaScript bench cannot import), PostgreSQL refuses to run as root,
// so as root it runs as the `postgres` user.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { atExit, freePort } from './processes.mjs';

/** The newest installed PostgreSQL's bin directory (Debian's layout), if any. */
export function findPostgresBin() {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
  return versions.map((v) => join(root, v, 'bin')).find((bin) => existsSync(join(bin, 'initdb')));
}

/** Starts a cluster; resolves with its postgres:// URL. */
export async function startPostgresCluster(bin, host) {
  const dir = mkdtempSync(join(tmpdir(), 'charcha-bench-pg-'));
  const dataDir = join(dir, 'data');
  const owner = {};
  if (process.getuid?.() === 0) {
    owner.uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    owner.gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dir, owner.uid, owner.gid);
    chmodSync(dir, 0o700);
  }
  const run = (program, args) => {
    const result = spawnSync(join(bin, program), args, { cwd: dir, encoding: 'utf8', ...owner });
    if (result.status !== 0) throw new Error(`${program} failed: ${result.stderr || result.stdout || result.error}`);
  };
  atExit(() => {
    spawnSync(join(bin, 'pg_ctl'), ['-D', dataDir, '-m', 'immediate', 'stop'], { cwd: dir, ...owner });
    rmSync(dir, { recursive: true, force: true });
  });
  const port = await freePort(host);
  run('initdb', ['-D', dataDir, '--auth=trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  // Durable commits would measure the disk; reads are what the bench loads.
  const options = `-p ${port} -k ${dir} -c listen_addresses=${host} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`;
  run('pg_ctl', ['-D', dataDir, '-l', join(dir, 'log'), '-w', 'start', '-o', options]);
  return `postgres://postgres@${host}:${port}/postgres`;
}
