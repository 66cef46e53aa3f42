/**
 * Request shapes as callers write them, straight from the protocol (optional fields are
 * optional keys there).
 *
 * @example
 * const req: CreateSandboxRequest = { id: 'build-1', limits: { memoryMiB: 512 }, env: { CI: '1' } };
 */
export type {
  CreateSandboxRequest,
  ExecRequest,
  LimitsInput,
  ReadFileRequest,
  WriteFileRequest,
} from '@paddock/protocol';
