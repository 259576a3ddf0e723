import { describe, expect, it } from 'vitest';
import { readableLines } from './logging.js';

describe('readable log lines', () => {
  const format = (entry: object, colour = false) => {
    let text = '';
    readableLines({ write: (t: string) => (text += t) }, colour).write(JSON.stringify({ time: Date.UTC(2026, 0, 1, 12), pid: 1, hostname: 'h', ...entry }) + '\n');
    return text.replace(/^\d\d:\d\d:\d\d /, 'TIME ');
  };

  it('shows other fields as key=value, and an error with its stack', () => {
    expect(format({ level: 40, msg: 'rate limits: Redis unavailable', reqId: 'req-1', attempt: 2, to: 'a b' })).toBe('TIME WARN  rate limits: Redis unavailable attempt=2 to=a b\n');
    const stack = 'Error: boom\n    at handler (src/forum/routes.ts:1:1)';
    expect(format({ level: 50, msg: 'request failed', err: { type: 'Error', message: 'boom', stack } })).toBe(
      'TIME ERROR request failed\n  Error: boom\n      at handler (src/forum/routes.ts:1:1)\n',
    );
  });

  it('colours the level only when asked (a terminal)', () => {
    expect(format({ level: 50, method: 'POST', url: '/x', statusCode: 500, responseTime: 3, msg: 'request errored' }, true)).toBe(
      'TIME \x1b[31mERROR\x1b[0m POST /x 500 3.0 ms\n',
    );
  });
});
