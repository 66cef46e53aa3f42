/**
 * `sandbox.terminal()`: the PTY of a session over the daemon's WebSocket route. Output that
 * arrives before the first `onData` listener (the replayed ring) is kept for it, and an exit
 * that happened before `onExit` is reported to it at once.
 */
import type { Paddock } from './client.js';
import { connectWs, type WsConnection } from './websocket.js';

export interface TerminalOptions {
  /** The session whose PTY to open (its cwd and env); the sandbox's default PTY without. */
  sessionId?: string;
  cols?: number;
  rows?: number;
}

export interface TerminalExit {
  /** The shell's exit status (128+n when killed by signal n); -1 when the connection broke. */
  code: number;
  signal?: string;
  /** Why the terminal ended without an exit status. */
  error?: string;
}

export interface Terminal {
  write(data: string | Uint8Array): void;
  resize(cols: number, rows: number): void;
  onData(listener: (data: Uint8Array) => void): void;
  onExit(listener: (exit: TerminalExit) => void): void;
  /** Detach; the PTY lives on for a while and replays its output to the next attach. */
  close(): void;
}

export async function openTerminal(
  client: Paddock,
  sandboxId: string,
  options: TerminalOptions = {},
): Promise<Terminal> {
  const url = new URL(`${client.url}/v1/sandboxes/${encodeURIComponent(sandboxId)}/pty`);
  if (options.sessionId) url.searchParams.set('session', options.sessionId);
  if (options.cols) url.searchParams.set('cols', String(options.cols));
  if (options.rows) url.searchParams.set('rows', String(options.rows));
  url.protocol = url.protocol === 'https:' ? 'https:' : 'http:';
  const state = new TerminalState();
  const ws = await connectWs(url, { authorization: client.authorization }, state);
  return state.terminal(ws);
}

class TerminalState {
  #pending: Uint8Array[] = [];
  #data: ((data: Uint8Array) => void) | undefined;
  #exitListeners: ((exit: TerminalExit) => void)[] = [];
  #exit: TerminalExit | undefined;
  #error: string | undefined;
  #detached = false;

  message(data: Buffer, binary: boolean): void {
    if (binary) {
      if (this.#data) this.#data(data);
      else this.#pending.push(data);
      return;
    }
    const m = JSON.parse(data.toString('utf8')) as {
      type?: string;
      code?: number;
      signal?: string;
      message?: string;
    };
    if (m.type === 'exit' && typeof m.code === 'number') {
      this.#ended(m.signal ? { code: m.code, signal: m.signal } : { code: m.code });
    } else if (m.type === 'error') {
      this.#error = String(m.message);
    }
  }

  close(code: number): void {
    if (this.#detached) return; // the caller's own close() is no exit
    this.#ended({ code: -1, error: this.#error ?? `connection closed (${code})` });
  }

  terminal(ws: WsConnection): Terminal {
    return {
      write: (data) => ws.send(typeof data === 'string' ? new TextEncoder().encode(data) : data),
      resize: (cols, rows) => ws.send(JSON.stringify({ type: 'resize', cols, rows })),
      onData: (listener) => {
        this.#data = listener;
        for (const chunk of this.#pending.splice(0)) listener(chunk);
      },
      onExit: (listener) => {
        if (this.#exit) listener(this.#exit);
        else this.#exitListeners.push(listener);
      },
      close: () => {
        this.#detached = true;
        ws.close();
      },
    };
  }

  #ended(exit: TerminalExit): void {
    if (this.#exit) return;
    this.#exit = exit;
    for (const l of this.#exitListeners.splice(0)) l(exit);
  }
}
