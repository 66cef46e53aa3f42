/**
 * Whether one proxied request may reach a sandbox port, decided before anything is forwarded:
 * the token (looked up by its hash, compared in constant time) or a signed link must name this
 * sandbox and port and be unexpired; a private preview also needs an API key with the previews
 * scope of the preview's tenant, a signed link, or the signed cookie of a login.
 */
import { timingSafeEqual } from 'node:crypto';
import { PaddockError, acceptsWork, scopeAllows } from '@paddock/protocol';
import type { KeyRecord } from '../store/keys.js';
import type { PreviewRecord } from '../store/previews.js';
import { networkPlan, type Subnet } from '../net/plan.js';
import { cookieValue, macMatches, splitSigned } from '../preview/sign.js';
import { hashToken, type PreviewService } from './previews.js';

export interface PreviewName {
  sandboxId: string;
  port: number;
  token: string;
}

export interface Credentials {
  authorization: string | undefined;
  /** The value of the preview cookie, if the request carried one. */
  cookie: string | undefined;
}

export interface Admitted {
  preview: PreviewRecord;
  upstream: { host: string; port: number };
}

/** How long the cookie a login sets lasts (capped by the preview's own expiry). */
export const COOKIE_SECONDS = 3600;

export class PreviewGate {
  constructor(
    private readonly service: PreviewService,
    private readonly subnet: Subnet,
    private readonly authenticate: (header: string | undefined) => KeyRecord | undefined,
  ) {}

  /** The upstream of an admitted request, or the PaddockError to answer with. */
  admit(name: PreviewName, creds: Credentials): Admitted {
    const { rec, viaLink } = this.find(name);
    if (rec.access === 'private' && !viaLink && !this.credentialed(rec, creds)) {
      throw new PaddockError('PREVIEW_AUTH_REQUIRED', 'This preview is private');
    }
    return { preview: rec, upstream: this.upstreamOf(rec) };
  }

  /** A login's signature checked; the cookie value to set and its lifetime in seconds. */
  login(name: PreviewName, exp36: string, sig: string): { cookie: string; maxAge: number } {
    const { rec } = this.find(name);
    const exp = parseInt(exp36, 36);
    const now = this.nowSeconds();
    const { secret } = this.service.deps;
    if (
      !/^[0-9a-z]{1,8}$/.test(exp36) ||
      exp < now ||
      !macMatches(secret, 'login', rec, exp, sig)
    ) {
      throw new PaddockError('PREVIEW_AUTH_REQUIRED', 'The login URL is invalid or has expired');
    }
    let cookieExp = now + COOKIE_SECONDS;
    if (rec.expiresAt)
      cookieExp = Math.min(cookieExp, Math.floor(Date.parse(rec.expiresAt) / 1000));
    return { cookie: cookieValue(secret, rec, cookieExp), maxAge: cookieExp - now };
  }

  private find(name: PreviewName): { rec: PreviewRecord; viaLink: boolean } {
    const byToken = this.byToken(name);
    const found = byToken ? { rec: byToken, viaLink: false } : this.byLink(name);
    if (!found) throw new PaddockError('PREVIEW_NOT_FOUND', 'No such preview');
    const { expiresAt } = found.rec;
    if (expiresAt && Date.parse(expiresAt) <= this.service.now().getTime()) {
      throw new PaddockError('PREVIEW_EXPIRED', 'This preview has expired');
    }
    return found;
  }

  private byToken(name: PreviewName): PreviewRecord | undefined {
    const hash = hashToken(name.token);
    const rec = this.service.deps.previews.byTokenHash(hash);
    if (!rec || !timingSafeEqual(Buffer.from(rec.tokenHash), Buffer.from(hash))) return undefined;
    return rec.sandboxId === name.sandboxId && rec.port === name.port ? rec : undefined;
  }

  private byLink(name: PreviewName): { rec: PreviewRecord; viaLink: boolean } | undefined {
    const signed = splitSigned(name.token, '_');
    if (!signed) return undefined;
    const { secret, previews } = this.service.deps;
    for (const rec of previews.bySandboxPort(name.sandboxId, name.port)) {
      if (!macMatches(secret, 'link', rec, signed.exp, signed.mac)) continue;
      if (signed.exp < this.nowSeconds()) {
        throw new PaddockError('PREVIEW_EXPIRED', 'This link has expired');
      }
      return { rec, viaLink: true };
    }
    return undefined;
  }

  private credentialed(rec: PreviewRecord, creds: Credentials): boolean {
    const key = creds.authorization ? this.authenticate(creds.authorization) : undefined;
    if (key && key.tenant === rec.tenant && scopeAllows(key.scopes, 'previews')) return true;
    const signed = creds.cookie ? splitSigned(creds.cookie, '.') : undefined;
    if (!signed || signed.exp < this.nowSeconds()) return false;
    return macMatches(this.service.deps.secret, 'cookie', rec, signed.exp, signed.mac);
  }

  private upstreamOf(rec: PreviewRecord): { host: string; port: number } {
    const sb = this.service.deps.sandboxes.get(rec.tenant, rec.sandboxId);
    if (!sb || !acceptsWork(sb.state)) {
      throw new PaddockError(
        'PREVIEW_UPSTREAM_UNAVAILABLE',
        `Sandbox '${rec.sandboxId}' is not running`,
      );
    }
    return { host: networkPlan(this.subnet, sb.slot, sb.name).sandboxIp, port: rec.port };
  }

  private nowSeconds(): number {
    return Math.floor(this.service.now().getTime() / 1000);
  }
}
