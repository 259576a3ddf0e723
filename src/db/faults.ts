// How database drivers report trouble, in one place: which errors mean the
// database is unreachable or overloaded for now (answered with 503), and which
// mean a transaction lost a race and may simply run again.

interface DriverError {
  code?: unknown;
  message?: unknown;
}

const asDriverError = (error: unknown): DriverError => (typeof error === 'object' && error !== null ? error : {});

// PostgreSQL SQLSTATEs: 08 connection exception, 53 insufficient resources
// (too many connections, out of memory or disk), 57P01–57P03 the server is
// shutting down, crashed, or not yet accepting connections, 58 system errors.
const UNAVAILABLE_SQLSTATE = /^(08|53|57P0[123]|58)/;

// Node's socket errors, when the server is gone or unreachable.
const SOCKET_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

// pg reports its own timeouts and lost connections without a code.
const PG_CONNECTION_MESSAGES = [
  'timeout exceeded when trying to connect',
  'Connection terminated',
  'Query read timeout',
  'is not queryable',
  'Connection ended unexpectedly',
];

// SQLite: another process holds the write lock past busy_timeout, or the disk fails or is full.
const UNAVAILABLE_SQLITE = /^SQLITE_(BUSY|LOCKED|IOERR|FULL|CANTOPEN|PROTOCOL)/;

/** The database cannot answer right now (down, frozen, restarting, locked, full): worth a later retry. */
export function isDatabaseUnavailable(error: unknown): boolean {
  const { code, message } = asDriverError(error);
  if (typeof code === 'string') {
    if (UNAVAILABLE_SQLITE.test(code) || SOCKET_ERRORS.has(code)) return true;
    if (/^[0-9A-Z]{5}$/.test(code)) return UNAVAILABLE_SQLSTATE.test(code);
  }
  return typeof message === 'string' && PG_CONNECTION_MESSAGES.some((m) => message.includes(m));
}

/** PostgreSQL aborted the transaction to resolve a conflict (serialization failure, deadlock): running it again is safe. */
export function isTransactionConflict(error: unknown): boolean {
  const { code } = asDriverError(error);
  return code === '40001' || code === '40P01';
}
