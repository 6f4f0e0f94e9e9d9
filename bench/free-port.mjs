import { createServer } from "node:net";

/** A TCP port free on 127.0.0.1 right now (for the servers the bench starts). */
export async function freePort() {
  const server = createServer().listen(0, "127.0.0.1");
  await new Promise((r) => server.once("listening", r));
  const { port } = server.address();
  server.close();
  return port;
}
