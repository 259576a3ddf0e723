import { Client } from 'memjs';
import { checkTtl, storedKey, type Cache } from './cache.js';

/** How long one command (and a connection) may take, in seconds as memjs counts: a slow cache is worse than none. */
const TIMEOUT_S = 1;

/**
 * The cache in memcached (one server or several, memjs spreads keys over
 * them), shared by every app process that uses the same servers. Connects on
 * first use, and again on the next command after a server went away.
 */
export class MemcachedCache implements Cache {
  private readonly client: Client;

  /** `servers`: memjs's list, `host:port[,host:port…]`, each may start with `user:password@`. */
  constructor(
    servers: string,
    private readonly keyPrefix = 'charcha:cache:',
  ) {
    this.client = Client.create(servers, {
      retries: 0,
      timeout: TIMEOUT_S,
      conntimeout: TIMEOUT_S,
      // Failures reach the callers of each command; memjs would also print them.
      logger: { log: () => {} },
    });
  }

  private key(key: string): string {
    return this.keyPrefix + storedKey(key);
  }

  async get(key: string): Promise<Buffer | undefined> {
    const { value } = await this.client.get(this.key(key));
    return value ?? undefined;
  }

  async getMany(keys: readonly string[]): Promise<(Buffer | undefined)[]> {
    // memjs pipelines these over one connection per server.
    return Promise.all(keys.map((key) => this.get(key)));
  }

  async set(key: string, value: Buffer, ttlSeconds: number): Promise<void> {
    checkTtl(ttlSeconds);
    await this.client.set(this.key(key), value, { expires: ttlSeconds });
  }

  async add(key: string, value: Buffer, ttlSeconds: number): Promise<boolean> {
    checkTtl(ttlSeconds);
    return this.client.add(this.key(key), value, { expires: ttlSeconds });
  }

  async delete(key: string): Promise<void> {
    await this.client.delete(this.key(key));
  }

  async close(): Promise<void> {
    this.client.close();
  }
}
