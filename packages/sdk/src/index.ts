export { Paddock } from './client.js';
export type { PaddockOptions, HealthInfo, DeleteSandboxResult } from './client.js';
export { getSandbox, Sandbox } from './sandbox.js';
export type { SandboxOptions, ExecOptions, FileOptions } from './sandbox.js';
export {
  PaddockError,
  SandboxNotFoundError,
  SandboxAlreadyExistsError,
  UnauthorizedError,
  ValidationError,
  InvalidStateError,
  CommandTimeoutError,
  FileNotFoundError,
  SandboxUnavailableError,
  errorFromBody,
  isErrorBody,
} from './errors.js';
export type { PaddockErrorInit } from './errors.js';
export { ConnectionError, RequestTimeoutError, MissingApiKeyError } from './client-errors.js';
export { shellQuote } from './shell.js';
export { parseSSEStream } from './sse.js';
export type {
  CreateSandboxRequest,
  ExecRequest,
  LimitsInput,
  ReadFileRequest,
  WriteFileRequest,
} from './types.js';
export type {
  Encoding,
  ErrorBody,
  ErrorCode,
  ExecEvent,
  ExecResult,
  ExistsResult,
  FileInfo,
  Limits,
  ListFilesResult,
  PathResult,
  ReadFileResult,
  RenameResult,
  SandboxInfo,
  SandboxList,
  SandboxState,
  WriteFileResult,
} from '@paddock/protocol';
