import type { FastifyBaseLogger } from "fastify";
import fp from "fastify-plugin";
import type { RedisClient } from "./cache/redis.js";
import type { Config } from "./config.js";
import type { Database } from "./db/database.js";
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

/**
 * The app's dependencies and domain services (src/services.ts) as decorations of the root instance
 * (fastify-plugin): both adapters, GraphQL and legacy REST, read them as `app.services` and `app.deps`.
 * Closing the app stops the services' background work; the connections in deps belong to the caller.
 */
export const servicesPlugin = fp<AppDeps>(
  async (app, deps) => {
    const services = createServices(deps.config, deps.db, deps.redis, app.log);
    app.decorate("deps", deps);
    app.decorate("services", services);
    services.revocations.watch(services.userCache);
    app.addHook("onClose", async () => {
      services.revocations.stop();
      await services.tracked?.close();
    });
  },
  { name: "services" },
);
