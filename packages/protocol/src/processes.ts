/**
 * Background processes: started in a sandbox, tracked by its agent, killed as a whole tree. The
 * HTTP bodies leave out the process id (it is in the path); the agent's requests carry it.
 */
import { commandSchema, envSchema, pathSchema } from './api.js';
import { ERROR_CODES } from './errors.js';
import { sessionIdSchema } from './sessions.js';
import {
  array,
  boolean,
  int,
  literal,
  object,
  optional,
  string,
  tagged,
  type Infer,
} from './schema.js';

/** Processes an agent tracks at once; finished ones are forgotten oldest first past this. */
export const MAX_PROCESSES = 1024;

/** Output kept per stream of one process: the most recent bytes, earlier ones dropped. */
export const PROCESS_LOG_LIMIT_BYTES = 1024 * 1024;

/** How long a killed tree has to exit after its signal before SIGKILL. */
export const KILL_GRACE_MS = 5000;

export const processIdSchema = string({
  minLength: 1,
  maxLength: 128,
  pattern: /^[A-Za-z0-9][A-Za-z0-9._-]*$/,
  patternHint: '1-128 letters, digits, dots, underscores and hyphens, starting alphanumeric',
});

export const PROCESS_STATUSES = ['running', 'completed', 'failed', 'killed', 'error'] as const;
export const processStatusSchema = literal(...PROCESS_STATUSES);
export type ProcessStatus = Infer<typeof processStatusSchema>;

/** The signals a caller may send to a process tree. */
export const PROCESS_SIGNALS = [
  'SIGTERM',
  'SIGKILL',
  'SIGINT',
  'SIGHUP',
  'SIGQUIT',
  'SIGUSR1',
  'SIGUSR2',
] as const;

export const signalSchema = literal(...PROCESS_SIGNALS);
export type ProcessSignal = Infer<typeof signalSchema>;

export const startProcessRequestSchema = object({
  command: commandSchema,
  processId: optional(processIdSchema),
  env: optional(envSchema),
  cwd: optional(pathSchema),
  /** Start in this session's cwd and env; deleting the session kills the process. */
  sessionId: optional(sessionIdSchema),
});
export type StartProcessRequest = Infer<typeof startProcessRequestSchema>;

const exitCodeSchema = int({ min: -1, max: 255 });
const timeSchema = string({ maxLength: 64, description: 'ISO 8601' });

export const processInfoSchema = object({
  id: processIdSchema,
  pid: int({ min: 0, max: 2 ** 31 }),
  command: string({ maxLength: 1024 * 1024, description: 'As given; argv joined by spaces.' }),
  status: processStatusSchema,
  startTime: timeSchema,
  endTime: optional(timeSchema),
  exitCode: optional(exitCodeSchema),
  sessionId: optional(sessionIdSchema),
});
export type ProcessInfo = Infer<typeof processInfoSchema>;

export const processListSchema = object({
  processes: array(processInfoSchema, { max: MAX_PROCESSES }),
});
export type ProcessList = Infer<typeof processListSchema>;

export const processRefSchema = object({ processId: processIdSchema });
export type ProcessRef = Infer<typeof processRefSchema>;

export const emptyRequestSchema = object({});

export const killBodySchema = object({ signal: optional(signalSchema) });
export type KillBody = Infer<typeof killBodySchema>;
export const killProcessRequestSchema = object({
  processId: processIdSchema,
  signal: optional(signalSchema),
});
export type KillProcessRequest = Infer<typeof killProcessRequestSchema>;
export const killAllResultSchema = object({ killed: int({ min: 0, max: MAX_PROCESSES }) });
export type KillAllResult = Infer<typeof killAllResultSchema>;

const logText = string({ maxLength: 2 * PROCESS_LOG_LIMIT_BYTES });

export const processLogsSchema = object({
  processId: processIdSchema,
  stdout: logText,
  stderr: logText,
  /** Earlier output was dropped: only the most recent bytes per stream are kept. */
  truncated: optional(boolean()),
});
export type ProcessLogs = Infer<typeof processLogsSchema>;

const MAX_WAIT_MS = 3600 * 1000;

const waitForPortShape = {
  port: int({ min: 1, max: 65_535 }),
  mode: optional(literal('http', 'tcp')),
  path: optional(
    string({ minLength: 1, maxLength: 2048, pattern: /^\//, patternHint: 'a path from /' }),
  ),
  status: optional(object({ min: int({ min: 100, max: 599 }), max: int({ min: 100, max: 599 }) })),
  timeout: optional(int({ min: 1, max: MAX_WAIT_MS, description: 'Milliseconds.' })),
  interval: optional(int({ min: 50, max: 10_000, description: 'Milliseconds between checks.' })),
};
export const waitForPortBodySchema = object(waitForPortShape);
export type WaitForPortBody = Infer<typeof waitForPortBodySchema>;
export const waitForPortRequestSchema = object({ processId: processIdSchema, ...waitForPortShape });
export type WaitForPortRequest = Infer<typeof waitForPortRequestSchema>;
export const waitForPortResultSchema = object({
  processId: processIdSchema,
  port: int({ min: 1, max: 65_535 }),
  ready: boolean(),
});
export type WaitForPortResult = Infer<typeof waitForPortResultSchema>;

const logData = string({ maxLength: 1024 * 1024 });

/**
 * Events of a process's log stream: what was logged so far (replayed), then live output, then
 * exactly one `exit` (the process has exited) or `error`.
 */
export const processLogEventSchema = tagged('type', {
  stdout: object({ type: literal('stdout'), data: logData }),
  stderr: object({ type: literal('stderr'), data: logData }),
  exit: object({ type: literal('exit'), exitCode: exitCodeSchema, status: processStatusSchema }),
  error: object({
    type: literal('error'),
    code: literal(...ERROR_CODES),
    message: string({ maxLength: 4096 }),
  }),
});
export type ProcessLogEvent = Infer<typeof processLogEventSchema>;
