import path from "node:path";
import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from "fastify";
import type { RedisClient } from "./cache/redis.js";
import type { Config } from "./config.js";
import type { Database } from "./db/database.js";
import { registerAccessLog } from "./observability/access-log.js";
import { registerHttpMetrics } from "./observability/http-metrics.js";
import { loggerOptions, requestId } from "./observability/logger.js";
import { readyRoutes } from "./observability/ready.routes.js";
import { registerHttpHygiene } from "./security/http-hygiene.js";
import { JsonTooDeepError, jsonNestsDeeperThan } from "./security/json-depth.js";
import { graphqlHttpErrorHandler } from "./graphql/errors.js";
import { graphqlPlugin } from "./graphql/graphql.plugin.js";
import { legacyErrorHandler, sendLegacy } from "./rest/legacy-errors.js";
import { legacyPlugin } from "./rest/legacy.plugin.js";
import { registerOpenApi } from "./rest/openapi.plugin.js";
import { createServices, type Services } from "./services.js";

export interface AppDeps {
  config: Config;
  db: Database;
  redis: RedisClient;
  /** The process logger; without it the app makes its own from config. */
  logger?: FastifyBaseLogger;
}

declare module "fastify" {
  interface FastifyInstance {
    deps: AppDeps;
    services: Services;
  }
}

class BadRequestError extends Error {
  readonly statusCode = 400;
  constructor() {
    super("Bad Request");
  }
}

const MAX_PATH_PARAM_LENGTH = 16 * 1024;

const IMAGES_DIR = fileURLToPath(new URL("../prisma/seed/images", import.meta.url));

/** One Fastify instance with every route and plugin. Tests build it too; closing it closes nothing in deps. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const errorHandler = (error: Error, req: FastifyRequest, reply: FastifyReply) =>
    req.url.startsWith("/graphql")
      ? graphqlHttpErrorHandler(error, req, reply)
      : legacyErrorHandler(error, req, reply);
  const app: FastifyInstance = Fastify({
    // Requests the router rejects (an undecodable URL, a bad header) get the same answers as route errors.
    frameworkErrors: (_error, req, reply) => errorHandler(new BadRequestError(), req, reply),
    ...(deps.logger ? { loggerInstance: deps.logger } : { logger: loggerOptions(deps.config) }),
    genReqId: requestId,
    // Fastify's two lines per request are replaced by one access-log line (src/observability/access-log.ts).
    logController: new LogController({ requestIdLogLabel: "requestId", disableRequestLogging: true }),
    bodyLimit: deps.config.http.bodyLimitBytes,
    // The legacy service matched any path parameter (404 / an empty list for one that names nothing); the URL
    // itself is bounded by Node's header size limit.
    routerOptions: { maxParamLength: MAX_PATH_PARAM_LENGTH },
    connectionTimeout: 60_000,
    requestTimeout: deps.config.http.requestTimeoutMs,
    trustProxy: deps.config.http.trustProxy,
    return503OnClosing: true,
    forceCloseConnections: "idle",
  });
  const services = createServices(deps.config, deps.db, deps.redis, app.log);
  app.decorate("deps", deps);
  app.decorate("services", services);
  services.revocations.watch(services.userCache);
  app.addHook("onClose", async () => {
    services.revocations.stop();
    await services.tracked?.close();
  });

  app.addHook("onRequest", async (req, reply) => {
    reply.header("x-request-id", req.id);
  });
  // Fastify's own JSON parser (prototype-poisoning checks included), behind a bound on nesting.
  const parseJson = app.getDefaultJsonParser("error", "error");
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (req, body, done) => {
    if (jsonNestsDeeperThan(body as string)) return done(new JsonTooDeepError(), undefined);
    parseJson(req, body as string, done);
  });
  // While draining, tell keep-alive clients to go, so their sockets do not hold the shutdown open.
  let closing = false;
  app.addHook("preClose", async () => {
    closing = true;
  });
  app.addHook("onSend", async (_req, reply) => {
    if (closing) reply.header("connection", "close");
  });

  app.setNotFoundHandler((_req, reply) => sendLegacy(reply, 404, { detail: "Not Found" }));
  app.setErrorHandler(errorHandler);

  registerHttpMetrics(app);
  registerAccessLog(app);
  await registerHttpHygiene(app, deps.config, services.limiter);
  await registerOpenApi(app);
  await app.register(readyRoutes);
  await app.register(fastifyStatic, {
    root: path.resolve(IMAGES_DIR),
    prefix: "/static/images/",
    maxAge: "1d",
    index: false,
    schemaHide: true,
  });
  await app.register(legacyPlugin);
  await app.register(graphqlPlugin, { services });
  return app;
}
