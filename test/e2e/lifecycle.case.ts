/**
 * Lifecycle on every backend: sleep (runtime stopped, files kept) and transparent wake, pause
 * (memory kept) and resume, sleepAfter and keepAlive, a hard ttl, illegal operations refused.
 * Called from the conformance suite unchanged.
 */
import { describe, expect, it } from 'vitest';
import { PaddockError, getSandbox, type Paddock, type Sandbox } from '@paddock/sdk';

interface LifecycleContext {
  client: Paddock;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls the sandbox's state (without waking it) until `state`, within a generous bound. */
async function stateBecomes(client: Paddock, id: string, state: string, ms = 60_000) {
  const deadline = Date.now() + ms;
  let last = '';
  while (Date.now() < deadline) {
    last = await client.getSandboxInfo(id).then(
      (i) => i.state,
      (e: unknown) => (PaddockError.is(e) ? e.code : String(e)),
    );
    if (last === state) return;
    await pause(200);
  }
  throw new Error(`${id} stayed ${last}, never ${state}`);
}

async function withSandbox(
  client: Paddock,
  id: string,
  options: Parameters<typeof getSandbox>[2],
  fn: (sb: Sandbox) => Promise<void>,
): Promise<void> {
  const sb = getSandbox(client, id, options);
  try {
    await fn(sb);
  } finally {
    await sb.destroy();
  }
}

export function describeLifecycle(ctx: () => LifecycleContext): void {
  describe('lifecycle', () => {
    it('sleeps (processes end, files stay) and wakes transparently on the next call', async () => {
      await withSandbox(ctx().client, 'life-sleep', {}, async (sb) => {
        await sb.writeFile('/workspace/kept.txt', 'still here');
        await sb.exec('nohup sleep 1000 > /dev/null 2>&1 &');
        expect((await sb.sleep()).state).toBe('sleeping');
        expect((await sb.sleep()).state).toBe('sleeping'); // idempotent
        const r = await sb.exec('cat /workspace/kept.txt; pgrep -x sleep || echo no-sleep');
        expect(r.stdout).toBe('still hereno-sleep\n');
        expect((await sb.info()).state).toBe('running');
      });
    });

    it('pauses keeping memory, processes and open files, and resumes them', async () => {
      await withSandbox(ctx().client, 'life-pause', {}, async (sb) => {
        const proc = await sb.startProcess([
          'python3',
          '-c',
          'import time\nx = 7\ntime.sleep(1000)',
        ]);
        expect((await sb.pause()).state).toBe('sleeping');
        // Sleeping for real (stop) from paused is allowed; pausing a stopped one is not.
        expect((await sb.sleep()).state).toBe('sleeping');
        const bad = await sb.pause().catch((e: unknown) => e);
        expect((bad as PaddockError).code).toBe('INVALID_STATE');
        await sb.wake();
        // A process holding a file open, appending a line every 50 ms.
        const writer =
          'import time\nf = open("/workspace/ticks", "w")\nwhile True:\n  f.write("t\\n"); f.flush(); time.sleep(0.05)';
        const again = await sb.startProcess(['python3', '-c', writer]);
        const ticks = async () => Number((await sb.exec('cat /workspace/ticks | wc -l')).stdout);
        let before = await ticks();
        for (let i = 0; i < 200 && before === 0; i++) before = await ticks();
        await sb.pause();
        expect((await sb.resume()).state).toBe('running');
        const list = await sb.listProcesses();
        expect(list.find((p) => p.id === again.id)?.status).toBe('running');
        // The same process goes on writing through the same open file, which kept its lines.
        const first = await ticks();
        expect(first).toBeGreaterThanOrEqual(before);
        let after = first;
        for (let i = 0; i < 200 && after <= first; i++) after = await ticks();
        expect(after).toBeGreaterThan(first);
        expect(list.find((p) => p.id === proc.id)).toBeUndefined();
        // Left paused: destroy (below) must end a frozen sandbox too.
        await sb.pause();
      });
    });

    it('sleeps after sleepAfter idle, never while keepAlive, and a call wakes it', async () => {
      const { client } = ctx();
      await withSandbox(client, 'life-kept', { sleepAfter: 1, keepAlive: true }, async (kept) => {
        await withSandbox(client, 'life-idle', { sleepAfter: 1 }, async (idle) => {
          await Promise.all([
            kept.writeFile('/workspace/f', 'k'),
            idle.writeFile('/workspace/f', 'i'),
          ]);
          await stateBecomes(client, 'life-idle', 'sleeping');
          expect((await client.getSandboxInfo('life-kept')).state).toBe('running');
          expect((await idle.exec('cat /workspace/f')).stdout).toBe('i');
          expect((await idle.info()).state).toBe('running');
        });
        await kept.setKeepAlive(false);
        await stateBecomes(client, 'life-kept', 'sleeping');
      });
    });

    it('destroys a sandbox when its ttl passes', async () => {
      const { client } = ctx();
      const sb = getSandbox(client, 'life-ttl', { ttl: 2, createIfMissing: true });
      expect((await sb.info()).expiresAt).toMatch(/^\d{4}-/);
      await stateBecomes(client, 'life-ttl', 'SANDBOX_NOT_FOUND');
    });
  });
}
