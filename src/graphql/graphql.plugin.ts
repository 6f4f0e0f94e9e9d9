import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginDisableSuggestions } from "@apollo/server/plugin/disableSuggestions";
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from "@apollo/server/plugin/disabled";
import { ApolloServerPluginLandingPageLocalDefault } from "@apollo/server/plugin/landingPage/default";
import fastifyApollo from "@as-integrations/fastify";
import { InMemoryLRUCache } from "@apollo/utils.keyvaluecache";
import fastifyStatic from "@fastify/static";
import { getDistDirectory, renderAltair } from "altair-static";
import type { FastifyPluginAsync } from "fastify";
import type { Services } from "../services.js";
import { compiledExecutionPlugin } from "./compiled-execution.js";
import { createContext, type GraphQLContext } from "./context.js";
import { createFormatError } from "./errors.js";
import { limitRules } from "./limits.js";
import { metricsPlugin } from "./metrics.plugin.js";
import { registerResponseCache, responseCacheTagsPlugin } from "./response-cache.plugin.js";
import { buildGraphQLSchema } from "./schema.js";
import { refuseHttpSubscriptions } from "../subscriptions/http-refusal.js";
import { registerSubscriptions } from "../subscriptions/ws-server.js";

export interface GraphQLPluginOptions {
  services: Services;
}

const ALTAIR_PATH = "/altair/";

/**
 * Apollo Server at /graphql (GET and POST). Development: Apollo Sandbox as the landing page (needs internet)
 * and an offline IDE (Altair, served from npm) at /altair/. Production: no landing page, no introspection,
 * no "did you mean" suggestions.
 */
export const graphqlPlugin: FastifyPluginAsync<GraphQLPluginOptions> = async (app, { services }) => {
  const { config } = app.deps;
  const production = config.environment === "production";
  const limits = config.graphqlLimits;
  const responseCache = config.cache.enabled && config.cache.responseTtlSeconds > 0;
  const schema = await buildGraphQLSchema();
  const apollo = new ApolloServer<GraphQLContext>({
    schema,
    introspection: !production,
    csrfPrevention: true,
    allowBatchedHttpRequests: false,
    validationRules: limitRules(limits),
    parseOptions: { maxTokens: limits.maxTokens },
    persistedQueries:
      limits.apqCacheBytes > 0 ? { cache: new InMemoryLRUCache({ maxSize: limits.apqCacheBytes }) } : false,
    // The process's own shutdown (src/server.ts) drains HTTP and then stops Apollo through onClose.
    stopOnTerminationSignals: false,
    includeStacktraceInErrorResponses: config.environment === "development",
    formatError: createFormatError(app.log, config.environment === "development"),
    plugins: [
      metricsPlugin(),
      refuseHttpSubscriptions(),
      compiledExecutionPlugin(),
      // No cache hints are used (the response caches decide by policy); the plugin would wrap every field.
      ApolloServerPluginCacheControlDisabled(),
      production
        ? ApolloServerPluginLandingPageDisabled()
        : ApolloServerPluginLandingPageLocalDefault({ embed: true, includeCookies: false }),
      ...(production ? [ApolloServerPluginDisableSuggestions()] : []),
      ...(responseCache ? [responseCacheTagsPlugin()] : []),
    ],
  });
  await apollo.start();
  app.addHook("onClose", () => apollo.stop());

  // Subscriptions: WebSocket upgrades of /graphql (graphql-ws), events fanned out through Redis.
  registerSubscriptions(app, { schema, services, config });
  services.orderEvents.start();
  app.addHook("onClose", () => services.orderEvents.stop());

  // Refuse oversized documents before they are parsed at all.
  app.addHook("preHandler", async (req, reply) => {
    if (req.routeOptions.url !== "/graphql") return;
    const query =
      (req.body as { query?: unknown } | undefined)?.query ?? (req.query as { query?: unknown }).query;
    if (typeof query === "string" && Buffer.byteLength(query) > limits.maxDocumentBytes) {
      return reply.code(413).send({
        errors: [
          {
            message: `the document is ${Buffer.byteLength(query)} bytes, above the limit of ${limits.maxDocumentBytes}`,
            extensions: { code: "PAYLOAD_TOO_LARGE" },
          },
        ],
      });
    }
  });

  if (responseCache) {
    registerResponseCache(app, {
      cache: services.cache,
      userCache: services.userCache,
      accounts: services.accounts,
      schema,
      ttlSeconds: config.cache.responseTtlSeconds,
    });
  }

  await app.register(fastifyApollo(apollo), {
    path: "/graphql",
    method: ["GET", "POST"],
    context: async (request) => createContext(config, services, request),
  });

  if (!production) {
    await app.register(async (ide) => {
      await ide.register(fastifyStatic, {
        root: getDistDirectory(),
        prefix: ALTAIR_PATH,
        index: false,
        schemaHide: true,
        decorateReply: false,
      });
      ide.get(ALTAIR_PATH, { schema: { hide: true } } as object, (_req, reply) =>
        reply.type("text/html; charset=utf-8").send(
          renderAltair({
            baseURL: ALTAIR_PATH,
            endpointURL: "/graphql",
            // Subscriptions over graphql-ws on the same path; paste a token from `login` into the connection
            // payload (docs/subscriptions.md).
            subscriptionsEndpoint: "/graphql",
            initialSubscriptionRequestHandlerId: "graphql-ws",
            initialSubscriptionsPayload: { authorization: "Bearer <token from login>" },
            disableAccount: true,
            initialQuery: "{\n  categories {\n    type\n    name\n    products { pid name price }\n  }\n}\n",
          }),
        ),
      );
    });
  }
};
