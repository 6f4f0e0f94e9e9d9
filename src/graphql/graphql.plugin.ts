import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginDisableSuggestions } from "@apollo/server/plugin/disableSuggestions";
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from "@apollo/server/plugin/disabled";
import fastifyApollo from "@as-integrations/fastify";
import { InMemoryLRUCache } from "@apollo/utils.keyvaluecache";
import type { FastifyPluginAsync } from "fastify";
import type { DocumentNode } from "graphql";
import { productViewEffects } from "./catalog/product-views.js";
import { compiledExecutionPlugin } from "./compiled-execution.js";
import { createContext, type GraphQLContext } from "./context.js";
import { JsonTooDeepError, jsonNestsDeeperThan } from "../security/json-depth.js";
import { documentHeapBytes, stringHeapBytes } from "./document-memory.js";
import { createFormatError, graphqlHttpErrorHandler } from "./errors.js";
import { developmentLandingPagePlugin } from "./landing-page.js";
import { graphqlLimits } from "./limits.js";
import { metricsPlugin } from "./metrics.apollo-plugin.js";
import { registerResponseCache } from "./response-cache-hooks.js";
import { responseCacheTagsPlugin } from "./response-tags.apollo-plugin.js";
import { buildGraphQLSchema } from "./schema.js";
import { refuseHttpSubscriptions } from "../subscriptions/http-refusal.js";
import { registerSubscriptions } from "../subscriptions/ws-server.js";

const META_CSP = /<meta http-equiv="Content-Security-Policy" content="([^"]+)"/i;

/**
 * The GraphQL adapter, an encapsulated plugin: Apollo Server at /graphql (GET and POST), its response cache,
 * its subscriptions (WebSocket upgrades of /graphql) and its own error handler. Development: Apollo Sandbox as
 * the landing page (needs internet; the offline IDE is src/graphql/altair.plugin.ts). Production: no landing
 * page, no introspection, no "did you mean" suggestions.
 */
export const graphqlPlugin: FastifyPluginAsync = async (app) => {
  const { config } = app.deps;
  const { services } = app;
  // Failures before Apollo runs (rate limit, body too large, unreadable JSON) in GraphQL's error shape.
  app.setErrorHandler(graphqlHttpErrorHandler);
  const production = config.environment === "production";
  const limits = config.graphqlLimits;
  const schema = await buildGraphQLSchema();
  const limitChecks = graphqlLimits(limits);
  const apollo = new ApolloServer<GraphQLContext>({
    schema,
    introspection: !production,
    // The response cache answers hits only where this lets a request through (graphql-request.ts runs the
    // same check with the same headers): change both together.
    csrfPrevention: true,
    allowBatchedHttpRequests: false,
    validationRules: limitChecks.validationRules,
    parseOptions: { maxTokens: limits.maxTokens },
    // Both bounded by the heap they hold (src/graphql/document-memory.ts), not by text length or entry count.
    documentStore: new InMemoryLRUCache<DocumentNode>({
      maxSize: limits.documentCacheBytes,
      sizeCalculation: documentHeapBytes,
    }),
    persistedQueries:
      limits.apqCacheBytes > 0
        ? {
            cache: new InMemoryLRUCache<string>({
              maxSize: limits.apqCacheBytes,
              sizeCalculation: stringHeapBytes,
            }),
          }
        : false,
    // The process's own shutdown (src/server.ts) drains HTTP and then stops Apollo through onClose.
    stopOnTerminationSignals: false,
    includeStacktraceInErrorResponses: config.environment === "development",
    formatError: createFormatError(app.log, config.environment === "development", production),
    plugins: [
      limitChecks.plugin,
      metricsPlugin(),
      refuseHttpSubscriptions(),
      compiledExecutionPlugin(),
      // No cache hints are used (the response caches decide by policy); the plugin would wrap every field.
      ApolloServerPluginCacheControlDisabled(),
      production ? ApolloServerPluginLandingPageDisabled() : developmentLandingPagePlugin(),
      ...(production ? [ApolloServerPluginDisableSuggestions()] : []),
      ...(services.responseCache.enabled ? [responseCacheTagsPlugin()] : []),
    ],
  });
  await apollo.start();
  app.addHook("onClose", () => apollo.stop());

  // Subscriptions: WebSocket upgrades of /graphql (graphql-ws), events fanned out through Redis.
  registerSubscriptions(app, { schema, services, config });
  services.orderEvents.start();
  app.addHook("onClose", () => services.orderEvents.stop());

  // Refuse oversized documents before they are parsed at all. (Callback hooks: they run on every request,
  // cache hits included, and need no promise.)
  app.addHook("preHandler", (req, reply, done) => {
    if (req.routeOptions.url !== "/graphql") return done();
    // GET carries variables and extensions as JSON texts, which Apollo parses itself.
    if (req.method === "GET") {
      const { variables, extensions } = req.query as Record<string, unknown>;
      for (const text of [variables, extensions]) {
        if (typeof text === "string" && jsonNestsDeeperThan(text)) return done(new JsonTooDeepError());
      }
    }
    const query =
      (req.body as { query?: unknown } | undefined)?.query ?? (req.query as { query?: unknown }).query;
    if (typeof query === "string" && Buffer.byteLength(query) > limits.maxDocumentBytes) {
      reply.code(413).send({
        errors: [
          {
            message: `the document is ${Buffer.byteLength(query)} bytes, above the limit of ${limits.maxDocumentBytes}`,
            extensions: { code: "PAYLOAD_TOO_LARGE" },
          },
        ],
      });
      return;
    }
    done();
  });

  // Apollo's landing page (development only) states its policy (nonces and Apollo's CDN) in a <meta> tag; the
  // header makes it hold for the whole page, and frame-ancestors can only be set by a header.
  if (!production)
    app.addHook("onSend", (req, reply, payload, done) => {
      if (
        req.routeOptions.url === "/graphql" &&
        typeof payload === "string" &&
        String(reply.getHeader("content-type") ?? "").startsWith("text/html")
      ) {
        const policy = META_CSP.exec(payload)?.[1];
        reply.header("content-security-policy", `${policy ?? "default-src 'none'"}; frame-ancestors 'none'`);
      }
      done(null, payload);
    });

  if (services.responseCache.enabled) {
    registerResponseCache(
      app,
      {
        responseCache: services.responseCache,
        accounts: services.accounts,
        schema,
        maxTokens: limits.maxTokens,
        verdictBytes: limits.documentCacheBytes / 4,
      },
      productViewEffects(schema, services.catalog),
    );
  }

  await app.register(fastifyApollo(apollo), {
    path: "/graphql",
    method: ["GET", "POST"],
    context: async (request) => createContext(config, services, request),
  });
};
