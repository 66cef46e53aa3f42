/**
 * The agent's end of a microVM's control port (protocol/vm-control.ts). Only a sandbox restored
 * from a snapshot hears anything on it: the daemon sends the sandbox's own address, clock and a
 * seed, the agent applies them and answers. A VM booted normally has nobody at the host end, so
 * the first read ends (EOF) and the agent stops reading: no polling, ever.
 */
import { execFile } from 'node:child_process';
import { open, writeFile, type FileHandle } from 'node:fs/promises';
import {
  VM_CONTROL_MAX_LINE,
  parse,
  vmRestoreRequestSchema,
  type VmRestoreReply,
  type VmRestoreRequest,
} from '@paddock/protocol';
import { describe, log } from './log.js';

export type ApplyRestore = (req: VmRestoreRequest) => Promise<void>;

/** MAC, address and route: one `ip` process (every process start is slow under emulation). */
function ipBatch(req: VmRestoreRequest): string {
  return [
    // The host's neighbour cache knows this address by this MAC (any sandbox booted on it had it).
    `link set dev eth0 address ${req.mac}`,
    'addr flush dev eth0',
    `addr add ${req.ip}/${req.prefixLength} dev eth0`,
    `route replace default via ${req.gateway}`,
    'neigh flush dev eth0',
    '',
  ].join('\n');
}

/**
 * Syscalls Node lacks, in one perl process (perl-base is in every Debian): the clock
 * (settimeofday, 164 on x86-64), the host name (sethostname, 170), then a reseed of the kernel's
 * RNG (RNDRESEEDCRNG, 0x5207) after the seed was written to /dev/urandom: every CPU's generator
 * rekeys from a pool holding it, so no two restored sandboxes share random output.
 */
const PERL_RESTORE = `use strict;
my ($ms, $name) = @ARGV;
syscall(164, pack("qq", int($ms / 1000), ($ms % 1000) * 1000), 0) == 0 or die "settimeofday: $!";
syscall(170, $name, length $name) == 0 or die "sethostname: $!";
open(my $f, "<", "/dev/urandom") or die "urandom: $!";
ioctl($f, 0x5207, 0) or die "reseed: $!";
`;

export async function applyRestore(req: VmRestoreRequest): Promise<void> {
  await writeFile('/dev/urandom', Buffer.from(req.seed, 'hex'));
  await writeFile('/etc/resolv.conf', `nameserver ${req.gateway}\n`);
  // Independent of each other: started together.
  await Promise.all([
    run('ip', ['-batch', '-'], ipBatch(req)),
    run('perl', ['-e', PERL_RESTORE, String(req.epochMs), req.hostname]),
  ]);
}

function run(file: string, args: string[], input?: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const child = execFile(file, args, { timeout: 10_000 }, (err, _o, stderr) =>
      err ? reject(new Error(`${file}: ${stderr.trim().slice(0, 300) || err.message}`)) : resolve(),
    );
    child.stdin?.end(input ?? '');
  });
}

/** One request line to its reply; only the first restore is applied. */
export class ControlHandler {
  private restored = false;

  constructor(private readonly apply: ApplyRestore = applyRestore) {}

  async handle(line: string): Promise<VmRestoreReply> {
    let input: unknown;
    try {
      input = JSON.parse(line);
    } catch {
      return { ok: false, error: 'not JSON' };
    }
    const req = parse(vmRestoreRequestSchema, input);
    if (!req.ok) return { ok: false, error: `${req.issue.path} ${req.issue.message}` };
    if (this.restored) return { ok: false, error: 'already restored' };
    this.restored = true;
    try {
      await this.apply(req.value);
      return { ok: true };
    } catch (err) {
      return { ok: false, error: (err instanceof Error ? err.message : String(err)).slice(0, 500) };
    }
  }
}

/** Reads request lines from the port until EOF; each gets one reply line. */
export async function serveVmControl(
  device: string,
  handler = new ControlHandler(),
): Promise<void> {
  let fh: FileHandle;
  try {
    fh = await open(device, 'r+');
  } catch (err) {
    log(`control port ${device} not available: ${describe(err)}`);
    return;
  }
  const buf = Buffer.alloc(VM_CONTROL_MAX_LINE);
  let pending = '';
  try {
    for (;;) {
      // A blocking read on one thread-pool thread: it waits in the kernel, not in a loop.
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      pending += buf.subarray(0, bytesRead).toString('utf8');
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const reply = await handler.handle(pending.slice(0, nl));
        pending = pending.slice(nl + 1);
        await fh.write(`${JSON.stringify(reply)}\n`);
        log(reply.ok ? 'restored from a snapshot' : `restore refused: ${reply.error ?? ''}`);
      }
      if (pending.length > VM_CONTROL_MAX_LINE) pending = '';
    }
  } catch (err) {
    log(`control port read failed: ${describe(err)}`);
  } finally {
    await fh.close().catch(() => undefined);
  }
}
