/** The agent's own version, reported by /health; the daemon logs it next to the protocol version. */
export const AGENT_VERSION = '0.1.0';
