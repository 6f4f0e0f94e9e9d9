import path from "node:path";
import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import Fastify, { type FastifyInstance, LogController } from "fastify";
import { altairPlugin } from "./graphql/altair.plugin.js";
import { graphqlPlugin } from "./graphql/graphql.plugin.js";
import { HotPath, hotPathPlugin } from "./http/hot-path.js";
import { readyRoutes } from "./health/ready.routes.js";
import { accessLogPlugin } from "./observability/access-log.plugin.js";
import { httpMetricsPlugin } from "./observability/http-metrics.plugin.js";
import { loggerOptions, requestId } from "./observability/logger.js";
import { legacyErrorHandler, sendLegacy } from "./rest/legacy-errors.js";
import { legacyPlugin } from "./rest/legacy.plugin.js";
import { openApiPlugin } from "./rest/openapi.plugin.js";
import { httpHygienePlugin } from "./security/http-hygiene.plugin.js";
import { JsonTooDeepError, jsonNestsDeeperThan } from "./security/json-depth.js";
import { type AppDeps, servicesPlugin } from "./services.plugin.js";

export type { AppDeps };

class BadRequestError extends Error {
  readonly statusCode = 400;
  constructor() {
    super("Bad Request");
  }
}

const MAX_PATH_PARAM_LENGTH = 16 * 1024;
/** Memory for the hot path's remembered requests (their identities and headers; the bytes are the cache's). */
const HOT_PATH_BYTES = 4 * 1024 * 1024;

const IMAGES_DIR = fileURLToPath(new URL("../prisma/seed/images", import.meta.url));

/**
 * One Fastify instance: shared infrastructure as root-level plugins (services, metrics, access log, HTTP
 * hygiene, OpenAPI), then the two adapters, each an encapsulated plugin with its own parsers and error
 * handler: legacy REST and GraphQL. Routes outside both (static images, docs, /metrics, /ready) and requests
 * no route matched answer errors in the legacy shape, as the REST API always has. Tests build it too; closing
 * it closes nothing in deps.
 */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const hotPath = new HotPath(HOT_PATH_BYTES);
  const app: FastifyInstance = Fastify({
    // Repeats of cached answers are answered in front of Fastify (src/http/hot-path.ts).
    serverFactory: hotPath.serverFactory,
    // Requests the router rejects (an undecodable URL, a bad header) match no route, so no adapter: they get
    // the app-wide answer.
    frameworkErrors: (_error, req, reply) => legacyErrorHandler(new BadRequestError(), req, reply),
    ...(deps.logger ? { loggerInstance: deps.logger } : { logger: loggerOptions(deps.config) }),
    genReqId: requestId,
    // Fastify's two lines per request are replaced by one access-log line (src/observability/access-log.plugin.ts).
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
  await app.register(servicesPlugin, deps);

  // Fastify's own JSON parser (prototype-poisoning checks included), behind a bound on nesting.
  const parseJson = app.getDefaultJsonParser("error", "error");
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (req, body, done) => {
    if (jsonNestsDeeperThan(body as string)) return done(new JsonTooDeepError(), undefined);
    req.jsonText = body as string;
    parseJson(req, body as string, done);
  });
  // While draining, tell keep-alive clients to go, so their sockets do not hold the shutdown open.
  let closing = false;
  app.addHook("preClose", async () => {
    closing = true;
  });
  app.addHook("onSend", (req, reply, payload, done) => {
    reply.header("x-request-id", req.id);
    if (closing) reply.header("connection", "close");
    done(null, payload);
  });

  app.setNotFoundHandler((_req, reply) => sendLegacy(reply, 404, { detail: "Not Found" }));
  app.setErrorHandler(legacyErrorHandler);

  await app.register(httpMetricsPlugin, { gauges: app.services.gauges });
  await app.register(accessLogPlugin);
  await app.register(httpHygienePlugin, { config: deps.config, limiter: app.services.limiter });
  await app.register(openApiPlugin);
  await app.register(hotPathPlugin, { hotPath });
  await app.register(readyRoutes);
  await app.register(fastifyStatic, {
    root: path.resolve(IMAGES_DIR),
    prefix: "/static/images/",
    maxAge: "1d",
    index: false,
    schemaHide: true,
  });
  await app.register(legacyPlugin);
  await app.register(graphqlPlugin);
  if (deps.config.environment !== "production") await app.register(altairPlugin);
  return app;
}
