/**
 * One HTTP exchange with the daemon: auth header, JSON in and out, deadline, and turning every
 * failure into a typed error (PaddockError from a reply, ConnectionError without one).
 */
import { ConnectionError, RequestTimeoutError } from './client-errors.js';
import { PaddockError, errorFromBody, isErrorBody } from './errors.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface TransportConfig {
  /** Base URL without a trailing slash. */
  url: string;
  apiKey: string;
  fetch: typeof globalThis.fetch;
  /** Default deadline per request; 0 means none. */
  timeoutMs: number;
}

export interface RequestOptions {
  body?: unknown;
  signal?: AbortSignal;
  /** Overrides the transport's deadline for this request; 0 means none. */
  timeoutMs?: number;
}

interface Reply {
  status: number;
  text: string;
}

/** Sends requests to one daemon. */
export class Transport {
  readonly #config: TransportConfig;

  constructor(config: TransportConfig) {
    this.#config = config;
  }

  get url(): string {
    return this.#config.url;
  }

  /** The Authorization header value, for requests made outside fetch (WebSocket upgrades). */
  get authorization(): string {
    return `Bearer ${this.#config.apiKey}`;
  }

  get timeoutMs(): number {
    return this.#config.timeoutMs;
  }

  /** Send one request and return the parsed JSON reply, or throw the typed error. */
  async request<T>(method: HttpMethod, path: string, options: RequestOptions = {}): Promise<T> {
    const reply = await this.#exchange(method, path, options);
    if (reply.status < 200 || reply.status >= 300) throw errorFromReply(reply);
    try {
      return JSON.parse(reply.text) as T;
    } catch {
      throw new PaddockError(
        'INTERNAL_ERROR',
        `The daemon answered HTTP ${reply.status} with a body that is not JSON: ${snippet(reply.text)}`,
        { status: reply.status },
      );
    }
  }

  /** POST for a stream: errors before the stream starts throw; no deadline but the caller's. */
  async stream(
    path: string,
    options: { body: unknown; signal?: AbortSignal | undefined },
  ): Promise<ReadableStream<Uint8Array>> {
    const headers = { ...this.#headers(true), accept: 'text/event-stream' };
    const init: RequestInit = { method: 'POST', headers, body: JSON.stringify(options.body) };
    if (options.signal) init.signal = options.signal;
    return this.#bodyOf(await this.#send(path, init, options.signal));
  }

  /** POST raw bytes (streamed, no deadline but the caller's) and parse the JSON reply. */
  async upload<T>(
    path: string,
    body: ReadableStream<Uint8Array>,
    signal?: AbortSignal,
  ): Promise<T> {
    const headers = { ...this.#headers(false), 'content-type': 'application/octet-stream' };
    // Node's fetch needs `duplex: 'half'` to send a stream body.
    const init = { method: 'POST', headers, body, duplex: 'half', signal } as RequestInit;
    const res = await this.#send(path, init, signal);
    const text = await res.text();
    if (res.status < 200 || res.status >= 300) throw errorFromReply({ status: res.status, text });
    return JSON.parse(text) as T;
  }

  /** GET raw bytes as a stream; errors before the first byte throw. */
  async download(path: string, signal?: AbortSignal): Promise<ReadableStream<Uint8Array>> {
    const init: RequestInit = { method: 'GET', headers: this.#headers(false) };
    if (signal) init.signal = signal;
    return this.#bodyOf(await this.#send(path, init, signal));
  }

  /** A successful reply's body stream; an error reply becomes its typed error. */
  async #bodyOf(res: Response): Promise<ReadableStream<Uint8Array>> {
    if (res.status < 200 || res.status >= 300 || !res.body) {
      throw errorFromReply({ status: res.status, text: await res.text() });
    }
    return res.body;
  }

  async #send(path: string, init: RequestInit, signal: AbortSignal | undefined): Promise<Response> {
    try {
      return await this.#config.fetch(`${this.#config.url}${path}`, init);
    } catch (err) {
      if (signal?.aborted) throw err;
      throw this.#networkError(err, 0);
    }
  }

  async #exchange(method: HttpMethod, path: string, options: RequestOptions): Promise<Reply> {
    const timeoutMs = options.timeoutMs ?? this.#config.timeoutMs;
    const init: RequestInit = { method, headers: this.#headers(options.body !== undefined) };
    if (options.body !== undefined) init.body = JSON.stringify(options.body);
    const signal = deadline(options.signal, timeoutMs);
    if (signal) init.signal = signal;
    try {
      const res = await this.#config.fetch(`${this.#config.url}${path}`, init);
      // The body is read inside the try: the connection can still drop or time out here.
      return { status: res.status, text: await res.text() };
    } catch (err) {
      // The caller's own signal fired: hand back its reason untouched, as fetch does.
      if (options.signal?.aborted) throw err;
      throw this.#networkError(err, timeoutMs);
    }
  }

  #headers(hasBody: boolean): Record<string, string> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.#config.apiKey}`,
      accept: 'application/json',
    };
    if (hasBody) headers['content-type'] = 'application/json';
    return headers;
  }

  #networkError(err: unknown, timeoutMs: number): ConnectionError {
    const name = err instanceof Error ? err.name : '';
    if (name === 'TimeoutError') return new RequestTimeoutError(this.#config.url, timeoutMs);
    return new ConnectionError(this.#config.url, err);
  }
}

function deadline(signal: AbortSignal | undefined, timeoutMs: number): AbortSignal | undefined {
  if (timeoutMs <= 0) return signal;
  const timer = AbortSignal.timeout(timeoutMs);
  return signal ? AbortSignal.any([signal, timer]) : timer;
}

function errorFromReply(reply: Reply): PaddockError {
  let body: unknown;
  try {
    body = JSON.parse(reply.text);
  } catch {
    body = undefined;
  }
  if (isErrorBody(body)) return errorFromBody(body, reply.status);
  return new PaddockError(
    'INTERNAL_ERROR',
    `The daemon answered HTTP ${reply.status} without a Paddock error body: ${snippet(reply.text)}`,
    { status: reply.status },
  );
}

function snippet(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat === '') return '(empty body)';
  return flat.length > 200 ? `${flat.slice(0, 200)}…` : flat;
}
