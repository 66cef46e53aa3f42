/**
 * The microVM's control channel: one virtio-serial port (`paddock.ctl`) between the daemon and
 * the agent, used only when a sandbox is restored from a snapshot. A restored guest wakes with
 * the template's address, clock and random state; over this port the daemon tells it its own,
 * before anything else reaches it. One JSON line each way, bounded; each end validates the other.
 */
import { sandboxIdSchema } from './api.js';
import { boolean, int, object, optional, string, type Infer } from './schema.js';

/** The port's name as QEMU's virtserialport and the guest's /sys/class/virtio-ports see it. */
export const VM_CONTROL_PORT = 'paddock.ctl';

/** No line on the channel is longer (the request is a few hundred bytes). */
export const VM_CONTROL_MAX_LINE = 4096;

/** Environment variable naming the guest's device node of the port (set by stage 2). */
export const VM_CONTROL_ENV = 'PADDOCK_AGENT_CONTROL';

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export const vmRestoreRequestSchema = object({
  /** The sandbox's own address, prefix and gateway (the template's are replaced). */
  ip: string({ maxLength: 15, pattern: IPV4, patternHint: 'an IPv4 address' }),
  prefixLength: int({ min: 8, max: 30 }),
  /** The sandbox's own NIC address (the template's goes), as a booted one of its address has. */
  mac: string({ maxLength: 17, pattern: /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/, patternHint: 'a MAC' }),
  gateway: string({ maxLength: 15, pattern: IPV4, patternHint: 'an IPv4 address' }),
  /** The sandbox id, the guest's host name from now on. */
  hostname: sandboxIdSchema,
  /** The host's wall clock, in milliseconds since the epoch. */
  epochMs: int({ min: 0, max: 2 ** 52 }),
  /** 64 random bytes (hex) mixed into the guest's pool before its RNG is reseeded. */
  seed: string({ minLength: 128, maxLength: 128, pattern: /^[0-9a-f]+$/ }),
});
export type VmRestoreRequest = Infer<typeof vmRestoreRequestSchema>;

/** Whether the guest took all of it; if not, why (the daemon then discards the sandbox). */
export const vmRestoreReplySchema = object({
  ok: boolean(),
  error: optional(string({ maxLength: 500 })),
});
export type VmRestoreReply = Infer<typeof vmRestoreReplySchema>;
