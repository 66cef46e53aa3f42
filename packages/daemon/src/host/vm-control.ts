/**
 * The daemon's end of a microVM's control port (protocol/vm-control.ts): QEMU's chardev socket
 * in the VM's directory. Held open while a template boots (so the agent's read blocks instead of
 * ending) and while a restore is told its identity. What comes back is the guest's and hostile:
 * one bounded line, schema-checked.
 */
import type { Socket } from 'node:net';
import {
  VM_CONTROL_MAX_LINE,
  parse,
  vmRestoreReplySchema,
  type VmRestoreReply,
  type VmRestoreRequest,
} from '@paddock/protocol';
import { connectWhenListening, withTimeout } from './unix-socket.js';

export class VmControl {
  private buffer = '';
  private waiter: ((line: string | Error) => void) | undefined;

  private constructor(private readonly conn: Socket) {
    conn.setEncoding('utf8');
    conn.on('data', (d: string) => this.onData(d));
    conn.on('error', (err) => this.waiter?.(err));
    conn.on('close', () => this.waiter?.(new Error('the control port closed')));
  }

  static async connect(path: string, timeoutMs: number): Promise<VmControl> {
    return new VmControl(await connectWhenListening(path, timeoutMs));
  }

  /** Send the restored guest its identity; resolves when it says it took it. */
  async restore(req: VmRestoreRequest, timeoutMs: number): Promise<void> {
    const line = new Promise<string>((resolve, reject) => {
      this.waiter = (got) => (got instanceof Error ? reject(got) : resolve(got));
    });
    this.conn.write(`${JSON.stringify(req)}\n`);
    let got: string;
    try {
      got = await withTimeout(line, timeoutMs, 'the guest did not answer the restore');
    } finally {
      this.waiter = undefined;
    }
    const reply = parseReply(got);
    if (!reply.ok) throw new Error(`the guest refused the restore: ${reply.error ?? 'no reason'}`);
  }

  close(): void {
    this.conn.destroy();
  }

  private onData(d: string): void {
    this.buffer += d;
    const nl = this.buffer.indexOf('\n');
    if (nl >= 0) {
      const line = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + 1);
      this.waiter?.(line);
    } else if (this.buffer.length > VM_CONTROL_MAX_LINE) {
      this.buffer = '';
      this.waiter?.(new Error('the guest sent an over-long line'));
    }
  }
}

function parseReply(line: string): VmRestoreReply {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    throw new Error('the guest answered the restore with something other than JSON');
  }
  const r = parse(vmRestoreReplySchema, v);
  if (!r.ok)
    throw new Error(`the guest's restore answer is invalid: ${r.issue.path} ${r.issue.message}`);
  return r.value;
}
