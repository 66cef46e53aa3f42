/**
 * Limits on every backend: a memory hog, a fork bomb and a disk fill hurt only their own sandbox.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PaddockError, getSandbox, type Paddock, type Sandbox } from '@paddock/sdk';

interface LimitsContext {
  client: Paddock;
  /** A running sandbox (256 MiB disk) that must keep answering. */
  neighbour: Sandbox;
  survivesLimits: boolean;
}

export function describeLimits(ctx: () => LimitsContext): void {
  describe('limits', () => {
    it('contains a memory hog; the daemon and the neighbours live on', async () => {
      await expectContained(
        ctx(),
        'conf-hog',
        'python3 -c "x = []\nwhile True: x.append(bytearray(16 * 1024 * 1024))"',
        (r) => expect(r).toMatchObject({ success: false, exitCode: 137 }),
      );
    });

    it('stops a fork bomb at the pids limit; the daemon and the neighbours live on', async () => {
      // Only bash builtins after the bomb: with the limit reached, nothing new can be forked.
      const bomb =
        'bomb() { bomb | bomb & }; bomb; SECONDS=0; while ((SECONDS < 3)); do :; done; ' +
        'shopt -s nullglob; p=(/proc/[0-9]*); echo "procs=${#p[@]}"; echo survived';
      await expectContained(ctx(), 'conf-bomb', bomb, (r) => {
        expect(r.stdout).toContain('survived');
        const procs = Number(/procs=(\d+)/.exec(r.stdout)?.[1]);
        expect(procs).toBeGreaterThan(20);
        expect(procs).toBeLessThanOrEqual(128);
      });
    });

    it('applies openFiles, inodes, maxCommandMs, maxProcesses and maxSessions', async () => {
      const limits = {
        openFiles: 300,
        inodes: 4096,
        maxCommandMs: 8000,
        maxProcesses: 2,
        maxSessions: 1,
        diskMiB: 64,
      };
      const sb = getSandbox(ctx().client, 'conf-knobs', { limits });
      try {
        expect((await sb.exec('ulimit -n; ulimit -Hn')).stdout).toBe('300\n300\n');
        const inodes = await sb.exec([
          'python3',
          '-c',
          [
            'import errno, os',
            'os.makedirs("/workspace/many")',
            'print(os.statvfs("/workspace").f_files)',
            'n = 0',
            'try:',
            '    while n < 10000:',
            '        open(f"/workspace/many/{n}", "w").close(); n += 1',
            'except OSError as e:',
            '    print(errno.errorcode[e.errno], n)',
          ].join('\n'),
        ]);
        const [total, outcome] = inodes.stdout.trim().split('\n');
        // mkfs.ext4 rounds -N to whole inode-table blocks per group.
        expect(Number(total)).toBeGreaterThan(3800);
        expect(Number(total)).toBeLessThan(4600);
        expect(outcome).toMatch(/^ENOSPC \d+$/);
        expect(Number(outcome?.split(' ')[1])).toBeLessThan(4096);
        await sb.exec('rm -rf /workspace/many');
        const slow = await sb.exec('sleep 30', { timeout: 60_000 }).catch((e: unknown) => e);
        expect((slow as PaddockError).code).toBe('COMMAND_TIMEOUT');
        await sb.startProcess('sleep 1000');
        await sb.startProcess('sleep 1000');
        const third = await sb.startProcess('sleep 1000').catch((e: unknown) => e);
        expect((third as PaddockError).code).toBe('PROCESS_LIMIT_REACHED');
        await sb.createSession({ id: 'one' });
        const second = await sb.createSession({ id: 'two' }).catch((e: unknown) => e);
        expect((second as PaddockError).code).toBe('SESSION_LIMIT_REACHED');
      } finally {
        await sb.destroy();
      }
    });

    it('stops a disk fill at the quota with an error, not a crash', async () => {
      const fill = await ctx().neighbour.exec(
        'dd if=/dev/zero of=/workspace/fill bs=1M count=1024 2>&1; echo rc=$?',
      );
      expect(fill.stdout).toMatch(/No space left on device/);
      const err = await ctx()
        .neighbour.writeFile('/workspace/more.bin', randomBytes(4 * 1024 * 1024))
        .catch((e: unknown) => e);
      expect((err as PaddockError).code).toBe('NO_SPACE');
      await ctx().neighbour.exec('rm -f /workspace/fill');
      expect((await ctx().neighbour.exec('echo fine')).stdout).toBe('fine\n');
    });
  });
}

type ExecOutcome = Awaited<ReturnType<Sandbox['exec']>>;

/**
 * Run an abuse in a sandbox of its own (256 MiB, 128 pids). The sandbox either contains it
 * (`inside` checks how) or, where the backend ends the sandbox instead, the daemon must report
 * it failed. Either way the daemon and the other sandboxes must be unharmed.
 */
async function expectContained(
  ctx: LimitsContext,
  id: string,
  command: string,
  inside: (r: ExecOutcome, sb: Sandbox) => unknown,
): Promise<void> {
  const sb = getSandbox(ctx.client, id, { limits: { memoryMiB: 256, pids: 128 } });
  try {
    const r = await sb.exec(command, { timeout: 60_000 }).catch((e: unknown) => e);
    if (PaddockError.is(r) && !ctx.survivesLimits) {
      expect(r.code).toBe('SANDBOX_UNAVAILABLE');
      expect(await sb.info()).toMatchObject({ state: 'failed' });
    } else {
      if (PaddockError.is(r)) throw r;
      await inside(r as ExecOutcome, sb);
    }
    expect((await ctx.client.health()).status).toBe('ok');
    expect((await ctx.neighbour.exec('echo neighbour')).stdout).toBe('neighbour\n');
  } finally {
    await sb.destroy();
  }
}
