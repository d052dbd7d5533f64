/**
 * The node:http plumbing every stand-in shares (the API stand-ins and the OAuth token endpoint):
 * read a body, keep the string headers, listen on a free local port, close with no linger.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The whole request body as UTF-8 text. */
export const readAll = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });

/** The request's single-valued headers (lower-case names, as node gives them). */
export function stringHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
  return headers;
}

/** A server listening on 127.0.0.1 at a free port. */
export interface LocalServer {
  readonly url: string;
  close(): Promise<void>;
}

/** Starts `handle` on a free local port; each request's answer is written by `handle` itself. */
export async function listenLocal(handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>): Promise<LocalServer> {
  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    // Keep-alive sockets would hold `close` open until they time out.
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
}

/** The Bearer token of an `Authorization` header, or null (the credential most vendors take). */
export const bearerToken = (headers: Readonly<Record<string, string>>): string | null =>
  /^Bearer (.+)$/.exec(headers['authorization'] ?? '')?.[1] ?? null;
