/**
 * The agent's token, and the one-time claim of a warm-pool sandbox. A pool sandbox boots with a
 * token only the pool knows; when the daemon hands it to a caller it sends a new token over the
 * old one, and from then on only the new one is accepted. A second claim is refused, so nothing
 * that learns the new token can turn the sandbox over again.
 */
import { execFile } from 'node:child_process';
import { hostname } from 'node:os';
import { PaddockError, type AgentReply, type AgentRequest } from '@paddock/protocol';
import { bearerChecker } from './auth.js';
import { setHostsEntry } from './hosts.js';

/** Where a claim applies the sandbox's name; tests point it away from the host's own. */
export interface Identity {
  hostsFile: string;
  /** Makes `name` the host name if it is not already; resolves whether it now is. */
  setHostname: (name: string) => Promise<boolean>;
}

export const SANDBOX_IDENTITY: Identity = { hostsFile: '/etc/hosts', setHostname: trySetHostname };

export class TokenGate {
  private check: (header: string | undefined) => boolean;
  private claimed = false;

  constructor(
    token: string,
    private readonly identity: Identity = SANDBOX_IDENTITY,
  ) {
    if (token.length === 0) throw new Error('the agent token must not be empty');
    this.check = bearerChecker(token);
  }

  /** Whether an Authorization header carries the current token. */
  readonly authorized = (header: string | undefined): boolean => this.check(header);

  async claim(req: AgentRequest<'claim'>): Promise<AgentReply<'claim'>> {
    if (this.claimed) throw new PaddockError('INVALID_STATE', 'this sandbox was already claimed');
    this.claimed = true;
    await setHostsEntry(req.hostname, this.identity.hostsFile).catch(() => undefined);
    const hostnameSet = req.setHostname && (await this.identity.setHostname(req.hostname));
    this.check = bearerChecker(req.token);
    return { hostnameSet };
  }
}

/**
 * The host name is the UTS namespace's: the daemon sets it from outside where the agent lacks the
 * capability (jail, gVisor); inside a microVM the agent is the guest's root and sets it itself.
 */
async function trySetHostname(name: string): Promise<boolean> {
  if (hostname() === name) return true;
  await new Promise<void>((resolve) => {
    execFile('hostname', [name], { timeout: 5_000 }, () => resolve());
  });
  return hostname() === name;
}
