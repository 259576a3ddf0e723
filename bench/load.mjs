// One autocannon measurement, with the same settings for every target.
import autocannon from 'autocannon';

const durationSeconds = secondsFromEnv('BENCH_SECONDS', 10);
export const LOAD_SETTINGS = {
  connections: 10,
  pipelining: 1,
  // Shortened with the run, so BENCH_SECONDS=1 tries the whole harness quickly.
  warmupSeconds: Math.min(2, durationSeconds),
  durationSeconds,
};

function secondsFromEnv(name, fallback) {
  const raw = process.env[name];
  if (!raw) return fallback;
  const seconds = Number(raw);
  if (!Number.isInteger(seconds) || seconds < 1) throw new Error(`${name} must be a whole number of seconds ≥ 1, got "${raw}"`);
  return seconds;
}

/** Loads `url` after a warm-up; returns requests/s and p99 latency, or throws if any response was not 2xx. */
export async function measure(url, headers = {}) {
  const { connections, pipelining, warmupSeconds, durationSeconds } = LOAD_SETTINGS;
  const result = await autocannon({
    url,
    headers,
    connections,
    pipelining,
    duration: durationSeconds,
    warmup: { connections, duration: warmupSeconds },
  });
  // A slow page may finish nothing within a short warm-up; the run itself must.
  for (const run of [result.warmup, result]) {
    const failures = run.non2xx + run.errors + run.timeouts;
    if (failures > 0 || (run === result && run['2xx'] === 0)) {
      throw new Error(`${url}${headers.cookie ? ' (signed in)' : ''}, ${run === result ? 'run' : 'warm-up'}: ${run['2xx']} ok, ${run.non2xx} non-2xx, ${run.errors} errors, ${run.timeouts} timeouts`);
    }
  }
  return { requestsPerSecond: result.requests.average, p99Ms: result.latency.p99 };
}
