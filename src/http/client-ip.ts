import type { IncomingMessage } from "node:http";
import proxyAddr from "@fastify/proxy-addr";

/**
 * The client's address as Fastify gives it (`request.ip`) under the same trustProxy setting, for the code that
 * answers before Fastify: the hot path (src/http/hot-path.ts) and WebSocket upgrades.
 */
export function clientIpOf(trustProxy: boolean | string[]): (raw: IncomingMessage) => string | undefined {
  if (trustProxy === false) return (raw) => raw.socket.remoteAddress;
  const trust = trustProxy === true ? () => true : proxyAddr.compile(trustProxy);
  return (raw) => proxyAddr(raw, trust);
}
