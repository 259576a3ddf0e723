import { describe, expect, it } from 'vitest';
import { isDatabaseUnavailable, isTransactionConflict } from './faults.js';

const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('database faults', () => {
  it('take outages, lost connections, timeouts and a locked SQLite file as unavailability', () => {
    for (const code of ['57P01', '57P03', '08006', '53300', 'ECONNREFUSED', 'ECONNRESET', 'SQLITE_BUSY', 'SQLITE_BUSY_SNAPSHOT', 'SQLITE_FULL', 'SQLITE_IOERR_WRITE']) {
      expect(isDatabaseUnavailable(withCode(code)), code).toBe(true);
    }
    for (const message of ['timeout exceeded when trying to connect', 'Connection terminated unexpectedly', 'Query read timeout', 'Client has encountered a connection error and is not queryable']) {
      expect(isDatabaseUnavailable(new Error(message)), message).toBe(true);
    }
  });

  it('leave our own mistakes as errors (500)', () => {
    for (const code of ['23505', '22021', '42P01', '40P01', 'SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_ERROR']) {
      expect(isDatabaseUnavailable(withCode(code)), code).toBe(false);
    }
    expect(isDatabaseUnavailable(new TypeError('undefined is not a function'))).toBe(false);
    expect(isDatabaseUnavailable(undefined)).toBe(false);
  });

  it('run again only deadlocks and serialization failures', () => {
    expect(isTransactionConflict(withCode('40P01'))).toBe(true);
    expect(isTransactionConflict(withCode('40001'))).toBe(true);
    expect(isTransactionConflict(withCode('23505'))).toBe(false);
    expect(isTransactionConflict(withCode('57P01'))).toBe(false);
  });
});
