import type { FastifyPluginAsync, HTTPMethods } from "fastify";
import { checkHealth, singleFlight } from "../health/health.js";
import { legacyAuthRoutes } from "./legacy-auth.routes.js";
import { legacyCatalogRoutes } from "./legacy-catalog.routes.js";
import { LegacyHttpError, legacyErrorHandler, sendLegacy } from "./legacy-errors.js";
import { legacyUsersRoutes } from "./legacy-users.routes.js";
import { InvalidJsonBody } from "./legacy-validation.js";
import { JsonTooDeepError, jsonNestsDeeperThan } from "../security/json-depth.js";
import { healthSchema, rootSchema } from "./legacy.schemas.js";

const METHODS: HTTPMethods[] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

function jsonErrorPosition(message: string): number {
  return Number(/position (\d+)/.exec(message)?.[1] ?? 0);
}

/**
 * The legacy REST adapter: the routes legacy clients call, answering as docs/rest-contract.md says: raw JSON
 * strings in the old service's byte layout, FastAPI's 422/405 bodies. Encapsulated so that its body parsers,
 * validator and error handler apply to these routes only.
 */
export const legacyPlugin: FastifyPluginAsync = async (app) => {
  app.setErrorHandler(legacyErrorHandler);
  // The handlers validate bodies themselves to answer in FastAPI's 422 shape; route schemas only document.
  app.setValidatorCompiler(() => () => true);

  // FastAPI answered a JSON syntax error with 422 json_invalid and read any other content type as bytes.
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (_req, text, done) => {
    const body = text as string;
    if (body.trim() === "") return done(null, undefined);
    if (jsonNestsDeeperThan(body)) return done(new JsonTooDeepError(), undefined);
    try {
      done(null, JSON.parse(body));
    } catch (err) {
      const message = (err as Error).message;
      done(
        null,
        new InvalidJsonBody(jsonErrorPosition(message), message.replace(/ in JSON at position \d+.*$/, "")),
      );
    }
  });
  app.addContentTypeParser("*", { parseAs: "buffer" }, (_req, body, done) => done(null, body));

  // Every other method on a known path answers 405 with Allow, as FastAPI did.
  const allowed = new Map<string, Set<string>>();
  app.addHook("onRoute", (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const set = allowed.get(route.url) ?? new Set();
    methods.forEach((m) => set.add(m));
    allowed.set(route.url, set);
  });

  app.get("/", { schema: rootSchema }, async (_req, reply) =>
    sendLegacy(reply, 200, { message: "欢迎使用咖啡店API服务" }),
  );
  const health = singleFlight(() => checkHealth(app.deps.db, app.deps.redis));
  app.get("/health", { schema: healthSchema }, async (_req, reply) => {
    const report = await health();
    // The legacy service said 200 even when a dependency was down; load balancers need the 503.
    return sendLegacy(reply, report.healthy ? 200 : 503, {
      status: report.healthy ? "healthy" : "unhealthy",
      database: report.database,
      redis: report.redis,
    });
  });
  await app.register(legacyAuthRoutes);
  await app.register(legacyUsersRoutes);
  await app.register(legacyCatalogRoutes);

  for (const [url, methods] of [...allowed]) {
    const allow = [...methods].filter((m) => m !== "HEAD").join(", ");
    const others = METHODS.filter((m) => !methods.has(m));
    app.route({
      method: others,
      url,
      handler: async () => {
        throw new LegacyHttpError(405, "Method Not Allowed", { allow });
      },
    });
  }
};
