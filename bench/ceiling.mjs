// The physical ceiling for the bench: a bare Fastify route that answers the exact bytes of the warm menu
// response, parsing the same JSON request body. Nothing of ours runs here: no GraphQL, no Redis, no MySQL.
import { readFileSync } from "node:fs";
import Fastify from "fastify";

const body = readFileSync(process.env.CEILING_BODY_FILE);
const app = Fastify({ logger: false });
app.post("/graphql", async (_req, reply) => reply.type("application/json; charset=utf-8").send(body));
await app.listen({ host: "127.0.0.1", port: Number(process.env.PORT) });
process.on("SIGTERM", () => app.close().then(() => process.exit(0)));
