/** `GET /v1/sandboxes/{id}/stats`: what a sandbox uses, from its cgroup and its disk file. */
import { sandboxIdSchema } from './api.js';
import { int, object, type Infer } from './schema.js';

const bytes = () => int({ min: 0, max: Number.MAX_SAFE_INTEGER });

export const sandboxStatsSchema = object({
  id: sandboxIdSchema,
  /** CPU time used since the sandbox started, in nanoseconds (sample twice for a rate). */
  cpuNanos: bytes(),
  /** Memory charged to the sandbox, page cache included. */
  memoryBytes: bytes(),
  /** Anonymous memory only (what its processes hold). */
  memoryRssBytes: bytes(),
  memoryLimitBytes: bytes(),
  /** Host tasks (processes and threads) in the sandbox's cgroup. */
  tasks: bytes(),
  /** Bytes the sandbox's disk file occupies on the host, and its size (the disk quota). */
  diskUsedBytes: bytes(),
  diskLimitBytes: bytes(),
});
export type SandboxStats = Infer<typeof sandboxStatsSchema>;
