/**
 * Preview URLs, decided: which ports may be exposed, tokens (generated or checked, stored only
 * hashed), URLs, signed links and login grants, and revocation. The proxy asks
 * `preview-access.ts` whether a request may pass; this file manages the previews themselves.
 */
import { createHash } from 'node:crypto';
import {
  AGENT_PORT,
  MAX_PREVIEWS_PER_SANDBOX,
  MIN_CUSTOM_TOKEN_DISTINCT,
  MIN_PREVIEW_PORT,
  PREVIEW_LOGIN_PATH,
  PaddockError,
  acceptsWork,
  type ExposePortRequest,
  type ExposedPort,
  type PreviewGrant,
  type PreviewGrantRequest,
  type PreviewInfo,
} from '@paddock/protocol';
import type { PreviewRecord, PreviewStore } from '../store/previews.js';
import type { SandboxRecord, SandboxStore } from '../store/sandboxes.js';
import { linkToken, mac, newPreviewToken } from '../preview/sign.js';

/** Where the preview listeners are, filled in once they listen (port 0 picks one). */
export interface PreviewUrls {
  /** The host-form listener's domain, e.g. `localhost`. */
  domain: string;
  /** The host-form listener's port (omitted from URLs when 80). */
  hostPort: number;
  /** `http://host:port` of the path-form listener, when it runs. */
  pathBase: string | undefined;
}

export interface PreviewDeps {
  previews: PreviewStore;
  sandboxes: SandboxStore;
  secret: Buffer;
  urls: PreviewUrls;
  /** Host ports the daemon listens on; never exposable (besides the agent's port). */
  platformPorts: () => number[];
  now?: () => Date;
}

const DEFAULT_LINK_SECONDS = 3600;
const DEFAULT_LOGIN_SECONDS = 120;

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export class PreviewService {
  readonly #revoked = new Set<(p: PreviewRecord) => void>();

  constructor(readonly deps: PreviewDeps) {}

  now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /** Called with each preview revoked by unexpose, so the proxy can cut its live connections. */
  onRevoke(fn: (p: PreviewRecord) => void): void {
    this.#revoked.add(fn);
  }

  expose(tenant: string, sandboxId: string, req: ExposePortRequest): ExposedPort {
    this.runnable(tenant, sandboxId);
    this.checkPort(req.port);
    const { previews } = this.deps;
    const existing = previews.get(tenant, sandboxId, req.port);
    if (existing) {
      throw new PaddockError('PORT_ALREADY_EXPOSED', `Port ${req.port} is already exposed`);
    }
    if (previews.count(tenant, sandboxId) >= MAX_PREVIEWS_PER_SANDBOX) {
      throw new PaddockError(
        'PREVIEW_LIMIT_REACHED',
        `Sandbox '${sandboxId}' has too many previews`,
      );
    }
    const token = req.token ?? newPreviewToken();
    if (req.token !== undefined) checkCustomToken(req.token);
    const tokenHash = hashToken(token);
    if (previews.byTokenHash(tokenHash)) {
      throw new PaddockError('PREVIEW_TOKEN_IN_USE', 'That token is already in use');
    }
    const now = this.now();
    const rec: PreviewRecord = {
      tenant,
      sandboxId,
      port: req.port,
      name: req.name ?? `port-${req.port}`,
      tokenHash,
      access: req.access ?? 'public',
      expiresAt:
        req.expiresIn === undefined
          ? undefined
          : new Date(now.getTime() + req.expiresIn * 1000).toISOString(),
      createdAt: now.toISOString(),
    };
    previews.add(rec);
    return this.exposed(rec, token, req.hostname);
  }

  private exposed(rec: PreviewRecord, token: string, hostname: string | undefined): ExposedPort {
    const out: ExposedPort = {
      url: this.hostUrl(rec, token, hostname),
      port: rec.port,
      name: rec.name,
      access: rec.access,
    };
    const { pathBase } = this.deps.urls;
    if (pathBase) out.pathUrl = `${pathBase}/${rec.sandboxId}/${rec.port}/${token}/`;
    if (rec.expiresAt) out.expiresAt = rec.expiresAt;
    return out;
  }

  private hostUrl(rec: PreviewRecord, token: string, hostname: string | undefined): string {
    const { domain, hostPort } = this.deps.urls;
    const host = hostname ?? (hostPort === 80 ? domain : `${domain}:${hostPort}`);
    return `http://${rec.port}-${rec.sandboxId}-${token}.${host}/`;
  }

  list(tenant: string, sandboxId: string): PreviewInfo[] {
    this.sandbox(tenant, sandboxId);
    return this.deps.previews.list(tenant, sandboxId).map((p) => {
      const info: PreviewInfo = {
        sandboxId: p.sandboxId,
        port: p.port,
        name: p.name,
        access: p.access,
        createdAt: p.createdAt,
      };
      if (p.expiresAt) info.expiresAt = p.expiresAt;
      return info;
    });
  }

  /** Revokes the token (and every link and cookie bound to it); live connections are cut. */
  unexpose(tenant: string, sandboxId: string, port: number): void {
    this.sandbox(tenant, sandboxId);
    const rec = this.deps.previews.get(tenant, sandboxId, port);
    if (!rec || !this.deps.previews.delete(tenant, sandboxId, port)) {
      throw new PaddockError('PORT_NOT_EXPOSED', `Port ${port} is not exposed`);
    }
    for (const fn of this.#revoked) fn(rec);
  }

  /** A signed expiring link, or a login path that sets a private preview's cookie. */
  grant(tenant: string, sandboxId: string, port: number, req: PreviewGrantRequest): PreviewGrant {
    this.runnable(tenant, sandboxId);
    const rec = this.deps.previews.get(tenant, sandboxId, port);
    if (!rec) throw new PaddockError('PORT_NOT_EXPOSED', `Port ${port} is not exposed`);
    const fallback = req.kind === 'link' ? DEFAULT_LINK_SECONDS : DEFAULT_LOGIN_SECONDS;
    let exp = Math.floor(this.now().getTime() / 1000) + (req.expiresIn ?? fallback);
    if (rec.expiresAt) exp = Math.min(exp, Math.floor(Date.parse(rec.expiresAt) / 1000));
    const expiresAt = new Date(exp * 1000).toISOString();
    const { secret } = this.deps;
    if (req.kind === 'link') {
      return { url: this.hostUrl(rec, linkToken(secret, rec, exp), undefined), expiresAt };
    }
    const sig = mac(secret, 'login', rec, exp);
    return { url: `${PREVIEW_LOGIN_PATH}?exp=${exp.toString(36)}&sig=${sig}`, expiresAt };
  }

  private checkPort(port: number): void {
    if (port < MIN_PREVIEW_PORT) {
      throw new PaddockError('INVALID_PORT', `Port ${port} is below ${MIN_PREVIEW_PORT}`);
    }
    if (port === AGENT_PORT || this.deps.platformPorts().includes(port)) {
      throw new PaddockError('PORT_RESERVED', `Port ${port} is used by the platform`);
    }
  }

  sandbox(tenant: string, id: string): SandboxRecord {
    const rec = this.deps.sandboxes.get(tenant, id);
    if (!rec) throw new PaddockError('SANDBOX_NOT_FOUND', `Sandbox '${id}' does not exist`);
    return rec;
  }

  private runnable(tenant: string, id: string): SandboxRecord {
    const rec = this.sandbox(tenant, id);
    if (!acceptsWork(rec.state)) {
      throw new PaddockError('INVALID_STATE', `Sandbox '${id}' is ${rec.state}`);
    }
    return rec;
  }
}

/** A caller's token must look random: long enough and not a repeated pattern. */
export function checkCustomToken(token: string): void {
  if (new Set(token).size < MIN_CUSTOM_TOKEN_DISTINCT) {
    throw new PaddockError(
      'VALIDATION_FAILED',
      `body.token must use at least ${MIN_CUSTOM_TOKEN_DISTINCT} distinct characters (use a random token)`,
      { field: 'body.token' },
    );
  }
}
