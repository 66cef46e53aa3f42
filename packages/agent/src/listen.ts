/** The listen address from PADDOCK_AGENT_LISTEN, parsed strictly (a typo must not bind elsewhere). */
export interface ListenAddress {
  host: string;
  port: number;
}

/** "host:port" or "[v6]:port". */
export function parseListen(value: string): ListenAddress | undefined {
  const colon = value.lastIndexOf(':');
  if (colon <= 0) return undefined;
  const host = value.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  const portText = value.slice(colon + 1);
  const port = Number(portText);
  if (host === '' || !/^\d{1,5}$/.test(portText) || port > 65_535) return undefined;
  return { host, port };
}
