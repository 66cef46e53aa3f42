/**
 * Test clients for preview URLs: every connection goes to 127.0.0.1 whatever the host name says
 * (`*.localhost` needs no DNS; this makes sure nothing else is ever contacted).
 */
import { request, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import type { LookupFunction } from 'node:net';
import WebSocket from 'ws';

export const loopback: LookupFunction = (_host, opts, cb) => {
  if (opts.all) cb(null, [{ address: '127.0.0.1', family: 4 }]);
  else cb(null, '127.0.0.1', 4);
};

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface Options {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

/** Open a request and hand back the response as soon as its head arrives. */
export function open(url: string, o: Options = {}): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: o.method ?? 'GET', headers: o.headers, lookup: loopback });
    req.on('response', resolve);
    req.on('error', reject);
    req.end(o.body);
  });
}

export async function get(url: string, o: Options = {}): Promise<Reply> {
  const res = await open(url, o);
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return {
    status: res.statusCode ?? 0,
    headers: res.headers,
    body: Buffer.concat(chunks).toString(),
  };
}

/** The code of a JSON error reply. */
export function codeOf(r: Reply): string {
  try {
    return String((JSON.parse(r.body) as { code?: string }).code);
  } catch {
    return `HTTP ${r.status}: ${r.body.slice(0, 100)}`;
  }
}

/** A WebSocket exchange: send one text message, resolve with the reply (or the refusal status). */
export function wsEcho(url: string, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { lookup: loopback });
    ws.on('open', () => ws.send(text));
    ws.on('message', (data: Buffer) => {
      resolve(data.toString());
      ws.close();
    });
    ws.on('unexpected-response', (_req, res) => {
      resolve(`refused ${res.statusCode}`);
      res.resume();
    });
    ws.on('error', reject);
  });
}

/** The host-form URL with another path. */
export function at(url: string, path: string): string {
  return new URL(path, url).toString();
}

/** A URL with its host label's token replaced. */
export function withToken(url: string, token: string): string {
  const u = new URL(url);
  const [label, ...rest] = u.hostname.split('.');
  const parts = (label ?? '').split('-');
  parts[parts.length - 1] = token;
  u.hostname = [parts.join('-'), ...rest].join('.');
  return u.toString();
}

export function tokenOf(url: string): string {
  const label = new URL(url).hostname.split('.')[0] ?? '';
  return label.slice(label.lastIndexOf('-') + 1);
}
