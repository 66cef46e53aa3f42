/** The shape every `paddock <verb>` implements. */
export interface Command {
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** Full `--help` text. */
  readonly usage: string;
  /** Run with the arguments after the verb; resolves to the process exit code. */
  run(argv: string[]): Promise<number>;
}

/** A mistake in the command line; printed with a pointer to --help, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
