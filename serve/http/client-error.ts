import type { Server } from 'node:http';
import type { Socket } from 'node:net';

const ANSWERS: Record<string, [number, string, string, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large', 'headers_too_large', 'The request line and headers are too large'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout', 'request_timeout', 'The request was not received in time'],
};
const MALFORMED: [number, string, string, string] = [400, 'Bad Request', 'bad_request', 'Malformed HTTP request'];

/**
 * Requests node's HTTP parser rejects (malformed, headers over --max-http-header-size, too slow) never reach
 * Koa; answer them with the same JSON error envelope instead of node's bare status line.
 */
export function jsonClientErrors(server: Server): void {
  server.on('clientError', (err: Error & { code?: string; rawPacket?: Buffer }, socket: Socket) => {
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const [status, reason, code, message] = ANSWERS[err.code ?? ''] ?? MALFORMED;
    const body = JSON.stringify({ error: { code, message } });
    // an answer to HEAD has no body (a client would read it as the next response)
    const head = err.rawPacket?.subarray(0, 5).toString('latin1') === 'HEAD ';
    socket.end(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${head ? '' : body}`,
    );
  });
}
