/** Library entry (tests, tools); the sandbox runs main.ts, bundled as dist/agent.mjs. */
export { createAgentServer, type AgentServerOptions } from './server.js';
export { AGENT_VERSION } from './version.js';
