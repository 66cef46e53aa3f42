/**
 * A rollback stack for multi-step set-up (gVisor's cleanup pattern): each step registers its undo;
 * on failure the undos run in reverse; on success `release` keeps what was built.
 */
export type Undo = () => unknown;

export class Cleanup {
  private undos: Undo[] = [];

  defer(undo: Undo): void {
    this.undos.push(undo);
  }

  /** Success: keep everything, forget the undos. */
  release(): void {
    this.undos = [];
  }

  /** Failure: undo in reverse order; every undo runs even if an earlier one throws. */
  async run(): Promise<Error[]> {
    const errors: Error[] = [];
    for (const undo of this.undos.reverse()) {
      try {
        await undo();
      } catch (err) {
        errors.push(err instanceof Error ? err : new Error(String(err)));
      }
    }
    this.undos = [];
    return errors;
  }
}
