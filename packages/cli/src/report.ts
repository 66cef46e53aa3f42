/** Turns any error into a message on stderr and the process exit code. */
import { ConnectionError, MissingApiKeyError, PaddockError } from '@paddock/sdk';
import { UsageError } from './command.js';

/** Exit code of a command killed for running past its timeout, as timeout(1) uses. */
export const TIMEOUT_EXIT_CODE = 124;

export function reportError(e: unknown, verb?: string): number {
  if (e instanceof UsageError) {
    console.error(`error: ${e.message}`);
    console.error(`Run 'paddock ${verb ? `${verb} ` : ''}--help' for usage.`);
    return 2;
  }
  if (PaddockError.is(e)) {
    console.error(`error [${e.code}]: ${e.message}`);
    return e.code === 'COMMAND_TIMEOUT' ? TIMEOUT_EXIT_CODE : 1;
  }
  if (e instanceof MissingApiKeyError) {
    console.error('error: No Paddock API key: set PADDOCK_API_KEY or pass --api-key.');
    return 1;
  }
  if (e instanceof ConnectionError) {
    console.error(`error: ${e.message}`);
    return 1;
  }
  console.error(`error: ${e instanceof Error ? e.message : String(e)}`);
  return 1;
}
