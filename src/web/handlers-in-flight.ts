// Route handlers running now. On SIGTERM, Node's server.close() calls back
// once the connections are gone, not once the handlers of requests whose
// client already left have finished: shutdown waits for those too before the
// database pool closes under them (server.ts).
import type { FastifyInstance, RouteOptions } from 'fastify';

export class HandlersInFlight {
  #running = 0;
  #whenNone: (() => void)[] = [];

  /** Counts `route`'s handler while it runs (from an onRoute hook). */
  track(route: RouteOptions): void {
    const handler = route.handler;
    const ended = () => {
      if (--this.#running === 0) for (const resolve of this.#whenNone.splice(0)) resolve();
    };
    const running = () => this.#running++;
    route.handler = function (this: FastifyInstance, request, reply) {
      running();
      let result: unknown;
      try {
        result = handler.call(this, request, reply);
      } catch (error) {
        ended();
        throw error;
      }
      // The same promise's outcome, so Fastify sees what the handler gave.
      if (result instanceof Promise) return result.finally(ended);
      ended();
      return result;
    };
  }

  get running(): number {
    return this.#running;
  }

  /** True once no handler runs, false if `timeoutMs` passes first. */
  async finished(timeoutMs: number): Promise<boolean> {
    if (this.#running === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const none = new Promise<true>((resolve) => this.#whenNone.push(() => resolve(true)));
    const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    try {
      return await Promise.race([none, late]);
    } finally {
      clearTimeout(timer);
    }
  }
}
