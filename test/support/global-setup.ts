import type { TestProject } from 'vitest/node';
import { findPostgresBin, startCluster } from './postgres-cluster.js';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string;
  }
}

/** For the postgres project: TEST_POSTGRES_URL if given, else a cluster of our own. */
export default async function setup(project: TestProject): Promise<(() => void) | undefined> {
  const given = process.env.TEST_POSTGRES_URL;
  if (given) {
    project.provide('postgresUrl', given);
    return undefined;
  }
  const bin = findPostgresBin();
  if (!bin) throw new Error('PostgreSQL is not installed (apt-get install postgresql) and TEST_POSTGRES_URL is not set');
  const cluster = await startCluster(bin);
  project.provide('postgresUrl', cluster.url);
  return () => cluster.stop();
}
