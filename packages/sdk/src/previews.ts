/**
 * Preview URLs of a sandbox's ports: `sandbox.exposePort(8080)` gives a URL a browser can open,
 * served by the daemon's preview proxy. The token in the URL is shown once; keep the URL.
 */
import type {
  ExposedPort,
  PreviewAccess,
  PreviewGrant,
  PreviewInfo,
  PreviewList,
} from '@paddock/protocol';
import { sandboxPath, type Paddock } from './client.js';

/**
 * Options of `exposePort`.
 *
 * @example
 * const options: ExposePortOptions = { name: 'web', access: 'private', expiresIn: 3600 };
 */
export interface ExposePortOptions {
  /** A label shown by getExposedPorts; default `port-{port}`. */
  name?: string;
  /** Build the URL under this host (e.g. your wildcard domain) instead of the daemon's. */
  hostname?: string;
  /** Your own token: 26-40 of [a-z0-9_], random (at least 10 distinct characters). */
  token?: string;
  /** 'private' also needs an API key or a login cookie (see previewLoginUrl). Default 'public'. */
  access?: PreviewAccess;
  /** Seconds until the URL stops working; default never (until unexposed or destroyed). */
  expiresIn?: number;
}

/** Runs an operation once the sandbox exists (the Sandbox's own create-if-missing). */
type Runner = <T>(op: () => Promise<T>) => Promise<T>;

/** The preview calls of one sandbox; Sandbox delegates to these. */
export class Previews {
  constructor(
    private readonly client: Paddock,
    private readonly id: string,
    private readonly run: Runner,
  ) {}

  expose(port: number, options: ExposePortOptions = {}): Promise<ExposedPort> {
    const body = { port, ...options };
    const path = sandboxPath(this.id, '/ports');
    return this.run(() => this.client.request<ExposedPort>('POST', path, { body }));
  }

  async unexpose(port: number): Promise<void> {
    await this.client.request('DELETE', sandboxPath(this.id, `/ports/${port}`));
  }

  async list(): Promise<PreviewInfo[]> {
    const path = sandboxPath(this.id, '/ports');
    return (await this.client.request<PreviewList>('GET', path)).ports;
  }

  link(port: number, expiresIn?: number): Promise<PreviewGrant> {
    return this.grant(port, { kind: 'link', expiresIn });
  }

  async loginUrl(port: number, previewUrl: string, expiresIn?: number): Promise<string> {
    const grant = await this.grant(port, { kind: 'login', expiresIn });
    return new URL(grant.url.slice(1), new URL(previewUrl)).toString();
  }

  private grant(port: number, body: { kind: string; expiresIn?: number | undefined }) {
    const path = sandboxPath(this.id, `/ports/${port}/grants`);
    const clean = body.expiresIn === undefined ? { kind: body.kind } : body;
    return this.client.request<PreviewGrant>('POST', path, { body: clean });
  }
}
