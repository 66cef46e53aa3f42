/**
 * The client for one Paddock daemon: sandbox management calls, plus the request helper the
 * Sandbox handle uses for its own routes.
 */
import {
  DEFAULT_DAEMON_PORT,
  type CreateKeyRequest,
  type CreatedKey,
  type KeyInfo,
  type KeyList,
  type QuotaOverride,
  type QuotaStatus,
  type SandboxInfo,
  type SandboxStats,
  type SandboxList,
} from '@paddock/protocol';
import { MissingApiKeyError } from './client-errors.js';
import type { CreateSandboxRequest } from './types.js';
import { Transport, type HttpMethod, type RequestOptions } from './transport.js';

/**
 * Connection settings; each falls back to the environment, then to a default.
 *
 * @example
 * const options: PaddockOptions = { url: 'http://10.0.0.5:7070', timeoutMs: 30_000 };
 */
export interface PaddockOptions {
  /** Daemon base URL. Default: PADDOCK_URL, else `http://127.0.0.1:7070`. */
  url?: string;
  /** API key sent as a Bearer token. Default: PADDOCK_API_KEY; required. */
  apiKey?: string;
  /** The fetch to use (for tests or proxies). Default: the global fetch. */
  fetch?: typeof globalThis.fetch;
  /**
   * Deadline per request in milliseconds; 0 means none. Default 120000. `exec` waits at least its
   * own `timeout` plus 10 s, and has no client deadline when it has no `timeout`.
   */
  timeoutMs?: number;
}

/**
 * The daemon's answer to `GET /v1/health`.
 *
 * @example
 * const { version }: HealthInfo = await paddock.health();
 */
export interface HealthInfo {
  status: 'ok';
  version: string;
  backend: string;
}

/**
 * The daemon's answer to `DELETE /v1/sandboxes/{id}`.
 *
 * @example
 * const { deleted }: DeleteSandboxResult = await paddock.deleteSandbox('build-1');
 */
export interface DeleteSandboxResult {
  id: string;
  deleted: true;
}

const DEFAULT_URL = `http://127.0.0.1:${DEFAULT_DAEMON_PORT}`;
const DEFAULT_TIMEOUT_MS = 120_000;

/**
 * A client for one Paddock daemon.
 *
 * @example
 * const paddock = new Paddock({ url: 'http://127.0.0.1:7070', apiKey: process.env.PADDOCK_API_KEY });
 * const sandboxes = await paddock.listSandboxes();
 */
export class Paddock {
  readonly #transport: Transport;

  /**
   * @throws MissingApiKeyError when neither `apiKey` nor PADDOCK_API_KEY is set.
   * @throws TypeError when the URL is not an http(s) URL.
   */
  constructor(options: PaddockOptions = {}) {
    const apiKey = options.apiKey || envVar('PADDOCK_API_KEY');
    if (!apiKey) throw new MissingApiKeyError();
    this.#transport = new Transport({
      url: normalizeUrl(options.url || envVar('PADDOCK_URL') || DEFAULT_URL),
      apiKey,
      fetch: options.fetch ?? globalThis.fetch,
      timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    });
  }

  /**
   * The daemon base URL this client talks to.
   *
   * @example
   * console.log(`using ${paddock.url}`);
   */
  get url(): string {
    return this.#transport.url;
  }

  /** @internal The Authorization header value, for WebSocket upgrades (the terminal). */
  get authorization(): string {
    return this.#transport.authorization;
  }

  /**
   * Check that the daemon is up and the key is accepted.
   *
   * @example
   * const { version, backend } = await paddock.health();
   */
  health(): Promise<HealthInfo> {
    return this.request<HealthInfo>('GET', '/v1/health');
  }

  /**
   * Create a sandbox now. Prefer `getSandbox`, which creates on first use and reuses an existing id.
   *
   * @example
   * const info = await paddock.createSandbox({ id: 'build-1', limits: { memoryMiB: 512 } });
   * @throws SandboxAlreadyExistsError when the id is taken.
   */
  createSandbox(request: CreateSandboxRequest = {}): Promise<SandboxInfo> {
    return this.request<SandboxInfo>('POST', '/v1/sandboxes', { body: request });
  }

  /**
   * All sandboxes the key can see.
   *
   * @example
   * for (const s of await paddock.listSandboxes()) console.log(s.id, s.state);
   */
  async listSandboxes(): Promise<SandboxInfo[]> {
    const list = await this.request<SandboxList>('GET', '/v1/sandboxes');
    return list.sandboxes;
  }

  /**
   * One sandbox's state, backend and limits.
   *
   * @example
   * const { state } = await paddock.getSandboxInfo('build-1');
   * @throws SandboxNotFoundError when there is no such sandbox.
   */
  getSandboxInfo(id: string): Promise<SandboxInfo> {
    return this.request<SandboxInfo>('GET', sandboxPath(id));
  }

  /**
   * What a sandbox uses: CPU time (ns, since it started), memory, tasks and disk, from its
   * cgroup and disk file. Sample twice for a CPU rate.
   *
   * @example
   * const { memoryBytes, diskUsedBytes } = await paddock.getSandboxStats('build-1');
   * @throws SandboxNotFoundError when there is no such sandbox.
   */
  getSandboxStats(id: string): Promise<SandboxStats> {
    return this.request<SandboxStats>('GET', `${sandboxPath(id)}/stats`);
  }

  /**
   * Create an API key (needs an admin key). The key is in this reply only; keep it.
   *
   * @example
   * const { key } = await admin.createKey({ tenant: 'team-a', scopes: ['read'] });
   */
  createKey(request: CreateKeyRequest = {}): Promise<CreatedKey> {
    return this.request<CreatedKey>('POST', '/v1/keys', { body: request });
  }

  /**
   * Every API key's id, tenant, scopes and state (needs an admin key); never the keys.
   *
   * @example
   * const keys = await admin.listKeys();
   */
  async listKeys(): Promise<KeyInfo[]> {
    return (await this.request<KeyList>('GET', '/v1/keys')).keys;
  }

  /**
   * Revoke an API key (needs an admin key); it stops working at once.
   *
   * @example
   * await admin.revokeKey(info.id);
   */
  revokeKey(id: string): Promise<KeyInfo> {
    return this.request<KeyInfo>('DELETE', `/v1/keys/${encodeURIComponent(id)}`);
  }

  /**
   * The caller's tenant quota (or, with an admin key, any tenant's) and what it uses.
   *
   * @example
   * const { quota, used } = await paddock.getQuota();
   */
  getQuota(tenant?: string): Promise<QuotaStatus> {
    const path =
      tenant === undefined ? '/v1/quota' : `/v1/tenants/${encodeURIComponent(tenant)}/quota`;
    return this.request<QuotaStatus>('GET', path);
  }

  /**
   * Set a tenant's quota override (needs an admin key); what it leaves out is the default.
   *
   * @example
   * await admin.setQuota('team-a', { sandboxes: 5, perSandbox: { memoryMiB: 1024 } });
   */
  setQuota(tenant: string, quota: QuotaOverride): Promise<QuotaStatus> {
    const path = `/v1/tenants/${encodeURIComponent(tenant)}/quota`;
    return this.request<QuotaStatus>('PUT', path, { body: quota });
  }

  /**
   * Destroy a sandbox and everything in it.
   *
   * @example
   * await paddock.deleteSandbox('build-1');
   * @throws SandboxNotFoundError when there is no such sandbox.
   */
  deleteSandbox(id: string): Promise<DeleteSandboxResult> {
    return this.request<DeleteSandboxResult>('DELETE', sandboxPath(id));
  }

  /**
   * Low-level call used by `Sandbox`; not part of the stable API.
   *
   * @internal
   * @example
   * await paddock.request('GET', '/v1/health');
   */
  request<T>(method: HttpMethod, path: string, options?: RequestOptions): Promise<T> {
    return this.#transport.request<T>(method, path, options);
  }

  /**
   * POST a raw byte stream; resolves to the JSON reply.
   *
   * @internal
   */
  upload<T>(path: string, body: ReadableStream<Uint8Array>, signal?: AbortSignal): Promise<T> {
    return this.#transport.upload<T>(path, body, signal);
  }

  /**
   * GET a raw byte stream.
   *
   * @internal
   */
  download(path: string, signal?: AbortSignal): Promise<ReadableStream<Uint8Array>> {
    return this.#transport.download(path, signal);
  }

  /**
   * Open a streaming request; resolves to the response body once the daemon accepted it.
   *
   * @internal
   */
  stream(
    path: string,
    options: { body: unknown; signal?: AbortSignal | undefined },
  ): Promise<ReadableStream<Uint8Array>> {
    return this.#transport.stream(path, options);
  }

  /**
   * The default per-request deadline, for calls that need to extend it.
   *
   * @internal
   * @example
   * const ms = paddock.timeoutMs;
   */
  get timeoutMs(): number {
    return this.#transport.timeoutMs;
  }
}

/**
 * The API path of one sandbox, with the id escaped.
 *
 * @internal
 * @example
 * sandboxPath('a', '/exec'); // '/v1/sandboxes/a/exec'
 */
export function sandboxPath(id: string, suffix = ''): string {
  return `/v1/sandboxes/${encodeURIComponent(id)}${suffix}`;
}

function envVar(name: string): string | undefined {
  const value = process.env[name];
  return value === '' ? undefined : value;
}

function normalizeUrl(url: string): string {
  // Validate now so a typo fails here, not as a vague fetch error on the first call.
  if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) {
    throw new TypeError(
      `Invalid Paddock URL "${url}": use e.g. ${DEFAULT_URL} (PADDOCK_URL or { url }).`,
    );
  }
  return url.replace(/\/+$/, '');
}
