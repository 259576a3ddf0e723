// Requests no well-behaved client sends (bad headers, no Host, bodies dribbled
// a byte at a time), written straight to a socket, and their answers parsed.
import { connect, type Socket } from 'node:net';

export interface RawAnswer {
  status: number;
  statusLine: string;
  headers: Record<string, string>;
  body: string;
  /** Milliseconds from connecting until the server closed the connection. */
  closedAfterMs: number;
}

/** Connects to a loopback server; the caller writes and then awaits `answer`. */
export function openRaw(port: number, timeoutMs = 10_000): { socket: Socket; answer: Promise<RawAnswer> } {
  const started = Date.now();
  const socket = connect(port, '127.0.0.1');
  const answer = new Promise<RawAnswer>((resolve, reject) => {
    let data = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${timeoutMs} ms; got so far: ${JSON.stringify(data.slice(0, 300))}`));
    }, timeoutMs);
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (data += chunk));
    // A server that cuts a client off may reset rather than close: what arrived still counts.
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(parseAnswer(data, Date.now() - started));
    });
  });
  return { socket, answer };
}

/** Sends `text` as is and waits for the server to answer and close. */
export async function rawRequest(port: number, text: string): Promise<RawAnswer> {
  const { socket, answer } = openRaw(port);
  socket.write(text, 'latin1');
  return answer;
}

function parseAnswer(data: string, closedAfterMs: number): RawAnswer {
  const end = data.indexOf('\r\n\r\n');
  const head = end === -1 ? data : data.slice(0, end);
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const status = Number(/^HTTP\/1\.[01] (\d{3}) /.exec(statusLine)?.[1] ?? 0);
  return { status, statusLine, headers, body: end === -1 ? '' : data.slice(end + 4), closedAfterMs };
}
