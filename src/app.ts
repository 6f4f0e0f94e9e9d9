import path from "node:path";
import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from "fastify";
import type { Redis } from "ioredis";
import type { Config } from "./config.js";
import type { Database } from "./db/database.js";
import { loggerOptions, requestId } from "./observability/logger.js";
import { graphqlPlugin } from "./graphql/graphql.plugin.js";
import { rootRoutes } from "./rest/root.routes.js";
import { createServices, type Services } from "./services.js";

export interface AppDeps {
  config: Config;
  db: Database;
  redis: Redis;
  /** The process logger; without it the app makes its own from config. */
  logger?: FastifyBaseLogger;
}

declare module "fastify" {
  interface FastifyInstance {
    deps: AppDeps;
    services: Services;
  }
}

const IMAGES_DIR = fileURLToPath(new URL("../prisma/seed/images", import.meta.url));

/** One Fastify instance with every route and plugin. Tests build it too; closing it closes nothing in deps. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger } : { logger: loggerOptions(deps.config) }),
    genReqId: requestId,
    logController: new LogController({ requestIdLogLabel: "requestId" }),
    bodyLimit: 1024 * 1024,
    connectionTimeout: 60_000,
    requestTimeout: 30_000,
    return503OnClosing: true,
    forceCloseConnections: "idle",
  });
  const services = createServices(deps.config, deps.db);
  app.decorate("deps", deps);
  app.decorate("services", services);

  app.addHook("onRequest", async (req, reply) => {
    reply.header("x-request-id", req.id);
  });
  // While draining, tell keep-alive clients to go, so their sockets do not hold the shutdown open.
  let closing = false;
  app.addHook("preClose", async () => {
    closing = true;
  });
  app.addHook("onSend", async (_req, reply) => {
    if (closing) reply.header("connection", "close");
  });

  app.setNotFoundHandler((_req, reply) => reply.code(404).send({ detail: "Not Found" }));
  app.setErrorHandler((error: { statusCode?: number; message?: string }, req, reply) => {
    const status = error.statusCode ?? 500;
    if (status >= 500) {
      req.log.error({ err: error }, "request failed");
      return reply.code(500).send({ detail: "Internal Server Error" });
    }
    return reply.code(status).send({ detail: error.message });
  });

  await app.register(fastifyStatic, {
    root: path.resolve(IMAGES_DIR),
    prefix: "/static/images/",
    maxAge: "1d",
    index: false,
    schemaHide: true,
  });
  await app.register(rootRoutes);
  await app.register(graphqlPlugin, { services });
  return app;
}
