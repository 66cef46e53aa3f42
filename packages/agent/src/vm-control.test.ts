import { describe, expect, it } from 'vitest';
import type { VmRestoreRequest } from '@paddock/protocol';
import { ControlHandler } from './vm-control.js';

const request: VmRestoreRequest = {
  ip: '10.226.0.6',
  prefixLength: 30,
  mac: '02:50:0a:e2:00:06',
  gateway: '10.226.0.5',
  hostname: 'my-sandbox',
  epochMs: 1_764_900_000_000,
  seed: 'ab'.repeat(64),
};

describe('the microVM control port (restore from a snapshot)', () => {
  it('applies one valid restore and refuses a second', async () => {
    const seen: VmRestoreRequest[] = [];
    const h = new ControlHandler((r) => {
      seen.push(r);
      return Promise.resolve();
    });
    expect(await h.handle(JSON.stringify(request))).toEqual({ ok: true });
    expect(seen).toEqual([request]);
    expect(await h.handle(JSON.stringify(request))).toEqual({
      ok: false,
      error: 'already restored',
    });
    expect(seen).toHaveLength(1);
  });

  it('refuses malformed and invalid requests without applying them', async () => {
    let applied = 0;
    const h = new ControlHandler(() => {
      applied++;
      return Promise.resolve();
    });
    expect((await h.handle('{nope')).ok).toBe(false);
    const bad = [
      { ...request, ip: '10.226.0.6; reboot' },
      { ...request, seed: 'short' },
      { ...request, prefixLength: 31 },
      { ...request, hostname: 'bad name' },
      { ...request, mac: '02:50:0a:e2:00:06 dev lo' },
      { ...request, extra: 1 },
    ];
    for (const b of bad) expect((await h.handle(JSON.stringify(b))).ok).toBe(false);
    expect(applied).toBe(0);
    // A refused request does not use up the one restore.
    expect(await h.handle(JSON.stringify(request))).toEqual({ ok: true });
  });

  it('reports a failed restore with its reason', async () => {
    const h = new ControlHandler(() => Promise.reject(new Error('ip: cannot find device eth0')));
    expect(await h.handle(JSON.stringify(request))).toEqual({
      ok: false,
      error: 'ip: cannot find device eth0',
    });
  });
});
