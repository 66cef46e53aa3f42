/**
 * Between a WebSocket client and the agent's terminal socket. Client input is validated and
 * framed for the agent; agent frames are decoded with the bounded decoder and their control
 * messages validated before anything reaches the client. An agent that breaks protocol loses the
 * connection (1011); a client that goes away detaches, and the PTY lives on for a later attach.
 */
import {
  FRAME_CONTROL,
  FrameDecoder,
  encodeControl,
  encodeData,
  parseControl,
  ptyClientControlSchema,
  ptyServerControlSchema,
  type PtyFrame,
  type PtyServerControl,
} from '@paddock/protocol';
import type { RawData, WebSocket } from 'ws';
import type { AgentPty } from '../agent-link/pty.js';

/** Output queued for a slow client beyond this pauses reading from the agent. */
const MAX_CLIENT_BACKLOG = 1024 * 1024;

export function relayPty(ws: WebSocket, agent: AgentPty): void {
  const { socket } = agent;
  const fail = (message: string): void => {
    sendControl(ws, { type: 'error', message });
    ws.close(1011, 'terminal failed');
    socket.destroy();
  };
  ws.on('message', (data: RawData, isBinary: boolean) => {
    const bytes = toBuffer(data);
    if (isBinary) {
      for (const frame of encodeData(bytes)) socket.write(frame);
      return;
    }
    const r = parseControl(ptyClientControlSchema, bytes.toString('utf8'));
    if (r.ok) socket.write(encodeControl(r.value));
    else sendControl(ws, { type: 'error', message: `${r.issue.path} ${r.issue.message}` });
  });
  ws.on('close', () => socket.destroy());
  ws.on('error', () => socket.destroy());

  let ended = false;
  const decoder = new FrameDecoder();
  const onChunk = (chunk: Buffer): void => {
    try {
      for (const frame of decoder.push(chunk)) ended = toClient(ws, frame) || ended;
    } catch {
      fail('The sandbox agent broke the terminal protocol');
      return;
    }
    if (ws.bufferedAmount > MAX_CLIENT_BACKLOG) pauseUntilDrained(ws, socket);
  };
  socket.on('data', onChunk);
  socket.on('close', () => {
    if (!ended && ws.readyState === ws.OPEN)
      fail('The terminal connection to the sandbox was lost');
  });
  if (agent.head.length > 0) onChunk(agent.head);
}

/** Forward one agent frame; true when it ends the terminal (exit). */
function toClient(ws: WebSocket, frame: PtyFrame): boolean {
  if (frame.kind !== FRAME_CONTROL) {
    ws.send(frame.payload, { binary: true });
    return false;
  }
  const r = parseControl(ptyServerControlSchema, Buffer.from(frame.payload).toString('utf8'));
  if (!r.ok) throw new Error(r.issue.message);
  sendControl(ws, r.value);
  if (r.value.type === 'ready') return false;
  ws.close(1000, r.value.type);
  return true;
}

function sendControl(ws: WebSocket, message: PtyServerControl): void {
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message), { binary: false });
}

function pauseUntilDrained(ws: WebSocket, socket: AgentPty['socket']): void {
  socket.pause();
  const poll = setInterval(() => {
    if (ws.readyState !== ws.OPEN || ws.bufferedAmount < MAX_CLIENT_BACKLOG / 2) {
      clearInterval(poll);
      socket.resume();
    }
  }, 50);
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
}
