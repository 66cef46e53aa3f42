export { Paddock } from './client.js';
export type { PaddockOptions, HealthInfo, DeleteSandboxResult } from './client.js';
export { getSandbox, Sandbox } from './sandbox.js';
export type { ListFilesOptions } from './list-request.js';
export { ExecutionSession } from './session.js';
export type { SessionOptions, SessionExecOptions, EnvVars } from './session.js';
export type { SandboxOptions, ExecOptions, FileOptions } from './sandbox.js';
export {
  PaddockError,
  SandboxNotFoundError,
  SandboxAlreadyExistsError,
  UnauthorizedError,
  ValidationError,
  InvalidStateError,
  QuotaExceededError,
  CommandTimeoutError,
  FileNotFoundError,
  SandboxUnavailableError,
  SessionNotFoundError,
  SessionAlreadyExistsError,
  ProcessNotFoundError,
  ProcessReadyTimeoutError,
  ProcessExitedBeforeReadyError,
  errorFromBody,
  isErrorBody,
} from './errors.js';
export type { PaddockErrorInit } from './errors.js';
export { ConnectionError, RequestTimeoutError, MissingApiKeyError } from './client-errors.js';
export { shellQuote } from './shell.js';
export { setNetworkPolicy } from './network.js';
export type { NetworkPolicy, NetworkPolicyInput } from './network.js';
/** The signals `kill` accepts. */
export { PROCESS_SIGNALS } from '@paddock/protocol';
export { parseSSEStream } from './sse.js';
export { Process } from './process.js';
export type { StartProcessOptions, WaitForPortOptions } from './process.js';
export type { WatchOptions } from './watch.js';
export type { ExposePortOptions } from './previews.js';
export type { CreateCodeContextOptions, RunCodeOptions } from './code.js';
export type { GitCheckoutOptions } from './git.js';
export type {
  CreateSandboxRequest,
  ExecRequest,
  LimitsInput,
  ReadFileRequest,
  WriteFileRequest,
} from './types.js';
export type {
  CreateKeyRequest,
  CreatedKey,
  KeyInfo,
  KeyScope,
  Encoding,
  ErrorBody,
  ErrorCode,
  ExecEvent,
  ExecResult,
  ExistsResult,
  ExposedPort,
  PreviewAccess,
  PreviewGrant,
  PreviewInfo,
  FileInfo,
  Limits,
  ListFilesResult,
  PathResult,
  ProcessInfo,
  ProcessLogEvent,
  ProcessLogs,
  ProcessSignal,
  ProcessStatus,
  ReadFileResult,
  RenameResult,
  SandboxInfo,
  SandboxList,
  SandboxState,
  SandboxStats,
  SessionDeleted,
  SessionInfo,
  WriteFileResult,
  WatchEvent,
  WatchEventType,
  CodeContext,
  CodeEvent,
  CodeLanguage,
  ExecutionError,
  ExecutionResult,
  RichResult,
  GitCheckoutResult,
  Duration,
  SleepMode,
  Quota,
  QuotaOverride,
  QuotaStatus,
  UpdateSandboxRequest,
} from '@paddock/protocol';
export type { Terminal, TerminalExit, TerminalOptions } from './terminal.js';
