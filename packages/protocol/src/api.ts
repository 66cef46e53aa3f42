/**
 * The daemon's public HTTP API: request and response shapes. The same schemas validate requests,
 * type the SDK and generate /v1/openapi.json.
 */
import { MAX_JSON_BODY_BYTES } from './constants.js';
import { ERROR_CODES } from './errors.js';
import { SANDBOX_STATES } from './lifecycle.js';
import { networkPolicyInfoSchema, networkPolicySchema } from './network.js';
import {
  array,
  boolean,
  int,
  literal,
  object,
  optional,
  record,
  string,
  tagged,
  union,
  type Infer,
} from './schema.js';

export const sandboxIdSchema = string({
  minLength: 1,
  maxLength: 63,
  pattern: /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/,
  patternHint: '1-63 lowercase letters, digits and inner hyphens',
  description: 'A name chosen by the caller, unique within its tenant. Never a credential.',
});

export const envNameSchema = string({
  minLength: 1,
  maxLength: 256,
  pattern: /^[A-Za-z_][A-Za-z0-9_]*$/,
  patternHint: 'a shell variable name (letters, digits, underscore; not starting with a digit)',
});

export const envSchema = record(envNameSchema, string({ maxLength: 128 * 1024 }), { max: 256 });

export const pathSchema = string({
  minLength: 1,
  maxLength: 4096,
  description: 'Absolute, or relative to /workspace.',
});

export const backendNameSchema = literal('jail', 'gvisor', 'microvm');
export type BackendName = Infer<typeof backendNameSchema>;
export const isolationSchema = literal('namespace', 'user-kernel', 'vm');
export type Isolation = Infer<typeof isolationSchema>;

/** The kernel boundary each backend puts around a sandbox. */
export function isolationOf(backend: BackendName): Isolation {
  const table: Record<BackendName, Isolation> = {
    jail: 'namespace',
    gvisor: 'user-kernel',
    microvm: 'vm',
  };
  return table[backend];
}

/** The largest value each per-sandbox limit may take; a tenant's maxima are at most these. */
export const LIMIT_BOUNDS = {
  cpuMillis: { min: 100, max: 64_000 },
  memoryMiB: { min: 32, max: 256 * 1024 },
  diskMiB: { min: 64, max: 1024 * 1024 },
  pids: { min: 16, max: 65_536 },
  inodes: { min: 1024, max: 16 * 1024 * 1024 },
  openFiles: { min: 64, max: 1_048_576 },
  maxCommandMs: { min: 1000, max: 24 * 3600 * 1000 },
  maxProcesses: { min: 1, max: 1024 },
  maxSessions: { min: 1, max: 256 },
} as const;
export type LimitName = keyof typeof LIMIT_BOUNDS;
export const LIMIT_NAMES = Object.keys(LIMIT_BOUNDS) as LimitName[];

const LIMIT_DESCRIPTIONS: Record<LimitName, string> = {
  cpuMillis: '1000 = one core',
  memoryMiB: 'Memory (MiB); the kernel kills what goes over.',
  diskMiB: "Size of the sandbox's own disk (MiB); writes past it fail with ENOSPC.",
  pids: 'Processes and threads the sandbox may have at once.',
  inodes: "Files the sandbox's disk may hold (mkfs.ext4 -N).",
  openFiles: 'RLIMIT_NOFILE of every process in the sandbox.',
  maxCommandMs: 'Longest a command may run (caps exec and session timeouts; milliseconds).',
  maxProcesses: 'Background processes running at once (startProcess).',
  maxSessions: 'Sessions open at once (createSession).',
};

function limitField(name: LimitName, min: number = LIMIT_BOUNDS[name].min) {
  return int({ min, max: LIMIT_BOUNDS[name].max, description: LIMIT_DESCRIPTIONS[name] });
}

export const limitsSchema = object({
  cpuMillis: optional(limitField('cpuMillis')),
  memoryMiB: optional(limitField('memoryMiB')),
  diskMiB: optional(limitField('diskMiB')),
  pids: optional(limitField('pids')),
  inodes: optional(limitField('inodes')),
  openFiles: optional(limitField('openFiles')),
  maxCommandMs: optional(limitField('maxCommandMs')),
  maxProcesses: optional(limitField('maxProcesses')),
  maxSessions: optional(limitField('maxSessions')),
});
export type LimitsInput = Infer<typeof limitsSchema>;
export type Limits = Required<LimitsInput>;

/** Every limit, as a sandbox's info reports it. */
export const fullLimitsSchema = object({
  cpuMillis: limitField('cpuMillis', 0),
  memoryMiB: limitField('memoryMiB', 0),
  diskMiB: limitField('diskMiB', 0),
  pids: limitField('pids', 0),
  inodes: limitField('inodes', 0),
  openFiles: limitField('openFiles', 0),
  maxCommandMs: limitField('maxCommandMs', 0),
  maxProcesses: limitField('maxProcesses', 0),
  maxSessions: limitField('maxSessions', 0),
});

/** The longest sleepAfter and ttl: 30 days. */
export const MAX_DURATION_SECONDS = 30 * 24 * 3600;

/**
 * A duration: seconds, or a string such as "30s", "10m", "1h", "2d" (as Cloudflare's sleepAfter).
 */
export const durationSchema = union(
  int({ min: 1, max: MAX_DURATION_SECONDS, description: 'Seconds.' }),
  string({
    minLength: 2,
    maxLength: 12,
    pattern: /^[1-9][0-9]{0,7}[smhd]$/,
    patternHint: 'a number followed by s, m, h or d (e.g. "30s", "10m")',
  }),
  'must be a number of seconds or a string such as "30s", "10m", "1h"',
);
export type Duration = Infer<typeof durationSchema>;

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** Milliseconds of a duration; VALIDATION-style Error when over MAX_DURATION_SECONDS. */
export function durationMs(d: Duration): number {
  const seconds =
    typeof d === 'number' ? d : Number(d.slice(0, -1)) * (UNIT_SECONDS[d.slice(-1)] ?? 0);
  return Math.min(seconds, MAX_DURATION_SECONDS) * 1000;
}

/** How an idle sandbox sleeps: `stop` its runtime (disk kept) or `pause` it (memory kept). */
export const sleepModeSchema = literal('stop', 'pause');
export type SleepMode = Infer<typeof sleepModeSchema>;

export const createSandboxSchema = object({
  id: optional(sandboxIdSchema),
  backend: optional(backendNameSchema),
  limits: optional(limitsSchema),
  env: optional(envSchema),
  /** Idle time after which the sandbox sleeps (the next call wakes it); none = never. */
  sleepAfter: optional(durationSchema),
  /** How it sleeps; default `stop` (files on disk kept, processes end). */
  sleepMode: optional(sleepModeSchema),
  /** Never sleeps while true (ttl still applies). */
  keepAlive: optional(boolean()),
  /** Hard lifetime: the sandbox is destroyed this long after creation, awake or not. */
  ttl: optional(durationSchema),
  network: optional(networkPolicySchema),
});
export type CreateSandboxRequest = Infer<typeof createSandboxSchema>;

/** Changes to a live sandbox's lifecycle settings (PATCH /v1/sandboxes/{id}). */
export const updateSandboxSchema = object({
  keepAlive: optional(boolean()),
  sleepAfter: optional(durationSchema),
});
export type UpdateSandboxRequest = Infer<typeof updateSandboxSchema>;

export const sandboxInfoSchema = object({
  id: sandboxIdSchema,
  state: literal(...SANDBOX_STATES),
  stateReason: optional(string({ maxLength: 4096 })),
  backend: backendNameSchema,
  isolation: isolationSchema,
  createdAt: string({ maxLength: 64 }),
  limits: fullLimitsSchema,
  /** Idle milliseconds before it sleeps, when set. */
  sleepAfterMs: optional(int({ min: 0, max: MAX_DURATION_SECONDS * 1000 })),
  sleepMode: optional(sleepModeSchema),
  keepAlive: optional(boolean()),
  /** When the ttl destroys it, when set. */
  expiresAt: optional(string({ maxLength: 64 })),
  network: networkPolicyInfoSchema,
});
export type SandboxInfo = Infer<typeof sandboxInfoSchema>;

export const sandboxListSchema = object({ sandboxes: array(sandboxInfoSchema, { max: 100_000 }) });
export type SandboxList = Infer<typeof sandboxListSchema>;

const MAX_TIMEOUT_MS = 24 * 3600 * 1000;

export const commandSchema = union(
  string({ minLength: 1, maxLength: 256 * 1024, description: 'Run by /bin/bash -c.' }),
  array(string({ maxLength: 128 * 1024 }), { min: 1, max: 4096 }),
  'must be a non-empty shell string or a non-empty array of strings (argv, run without a shell)',
);

export const execRequestSchema = object({
  command: commandSchema,
  env: optional(envSchema),
  cwd: optional(pathSchema),
  timeout: optional(int({ min: 1, max: MAX_TIMEOUT_MS, description: 'Milliseconds.' })),
  outputLimit: optional(
    int({
      min: 1024,
      max: MAX_JSON_BODY_BYTES / 4,
      description:
        "Bytes of output kept per stream (the rest is dropped, `truncated` set); default the daemon's --output-limit-bytes.",
    }),
  ),
});
export type ExecRequest = Infer<typeof execRequestSchema>;

export const execResultSchema = object({
  success: boolean(),
  exitCode: int({ min: -1, max: 255 }),
  stdout: string({ maxLength: MAX_JSON_BODY_BYTES }),
  stderr: string({ maxLength: MAX_JSON_BODY_BYTES }),
  duration: int({ min: 0, max: MAX_TIMEOUT_MS * 2, description: 'Milliseconds.' }),
  truncated: optional(boolean()),
});
export type ExecResult = Infer<typeof execResultSchema>;

const execData = string({ maxLength: 1024 * 1024 });

/**
 * Events of a streamed command, in order: `start`, any number of `stdout`/`stderr`, then exactly
 * one of `complete` (the process has exited) or `error`. The daemon's SSE stream adds comment
 * heartbeats; it never sends `complete` for a process that has not exited.
 */
export const execEventSchema = tagged('type', {
  start: object({ type: literal('start'), pid: int({ min: 0, max: 2 ** 31 }) }),
  stdout: object({ type: literal('stdout'), data: execData }),
  stderr: object({ type: literal('stderr'), data: execData }),
  complete: object({
    type: literal('complete'),
    exitCode: int({ min: -1, max: 255 }),
    duration: int({ min: 0, max: MAX_TIMEOUT_MS * 2 }),
    truncated: optional(boolean()),
  }),
  error: object({
    type: literal('error'),
    code: literal(...ERROR_CODES),
    message: string({ maxLength: 4096 }),
  }),
});
export type ExecEvent = Infer<typeof execEventSchema>;

export const encodingSchema = literal('utf-8', 'base64');
export type Encoding = Infer<typeof encodingSchema>;

export const writeFileRequestSchema = object({
  path: pathSchema,
  content: string({ maxLength: MAX_JSON_BODY_BYTES }),
  encoding: optional(encodingSchema),
});
export type WriteFileRequest = Infer<typeof writeFileRequestSchema>;

export const writeFileResultSchema = object({
  path: pathSchema,
  bytes: int({ min: 0, max: Number.MAX_SAFE_INTEGER }),
});
export type WriteFileResult = Infer<typeof writeFileResultSchema>;

export const readFileRequestSchema = object({
  path: pathSchema,
  encoding: optional(encodingSchema),
});
export type ReadFileRequest = Infer<typeof readFileRequestSchema>;

export const readFileResultSchema = object({
  path: pathSchema,
  content: string({ maxLength: MAX_JSON_BODY_BYTES }),
  encoding: encodingSchema,
  size: int({ min: 0, max: Number.MAX_SAFE_INTEGER }),
  /** From the file name, or from the content when the name says nothing. */
  mimeType: string({ maxLength: 128 }),
  /** Whether the bytes are not valid UTF-8 text (then, without an asked encoding, base64). */
  isBinary: boolean(),
});
export type ReadFileResult = Infer<typeof readFileResultSchema>;

export const deletedSchema = object({ id: sandboxIdSchema, deleted: boolean() });

/** The most entries one listFiles answers with; the rest are dropped and `truncated` set. */
export const MAX_LIST_ENTRIES = 10_000;

export const pathRequestSchema = object({ path: pathSchema });
export type PathRequest = Infer<typeof pathRequestSchema>;
export const pathResultSchema = object({ path: pathSchema });
export type PathResult = Infer<typeof pathResultSchema>;

export const mkdirRequestSchema = object({ path: pathSchema, recursive: optional(boolean()) });
export type MkdirRequest = Infer<typeof mkdirRequestSchema>;

export const renameRequestSchema = object({ oldPath: pathSchema, newPath: pathSchema });
export type RenameRequest = Infer<typeof renameRequestSchema>;
export const renameResultSchema = object({ path: pathSchema, newPath: pathSchema });
export type RenameResult = Infer<typeof renameResultSchema>;

export const moveRequestSchema = object({ sourcePath: pathSchema, destinationPath: pathSchema });
export type MoveRequest = Infer<typeof moveRequestSchema>;

export const listFilesRequestSchema = object({
  path: pathSchema,
  recursive: optional(boolean()),
  includeHidden: optional(boolean()),
});
export type ListFilesRequest = Infer<typeof listFilesRequestSchema>;

export const fileInfoSchema = object({
  name: string({ maxLength: 4096 }),
  path: pathSchema,
  relativePath: string({ maxLength: 4096 }),
  type: literal('file', 'directory', 'symlink', 'other'),
  size: int({ min: 0, max: Number.MAX_SAFE_INTEGER }),
  mode: string({ maxLength: 4, pattern: /^[0-7]{3,4}$/, patternHint: 'octal permission bits' }),
  modifiedAt: string({ maxLength: 64 }),
});
export type FileInfo = Infer<typeof fileInfoSchema>;

export const listFilesResultSchema = object({
  path: pathSchema,
  files: array(fileInfoSchema, { max: MAX_LIST_ENTRIES }),
  count: int({ min: 0, max: MAX_LIST_ENTRIES }),
  truncated: optional(boolean()),
});
export type ListFilesResult = Infer<typeof listFilesResultSchema>;

export const existsResultSchema = object({ path: pathSchema, exists: boolean() });
export type ExistsResult = Infer<typeof existsResultSchema>;

export const consoleLogSchema = object({
  id: sandboxIdSchema,
  /** The tail of the sandbox's console (a VM's serial console; a container's init output). */
  console: string({ maxLength: MAX_JSON_BODY_BYTES }),
});
export type ConsoleLog = Infer<typeof consoleLogSchema>;
