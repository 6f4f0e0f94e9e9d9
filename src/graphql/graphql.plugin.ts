import { randomBytes } from "node:crypto";
import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginDisableSuggestions } from "@apollo/server/plugin/disableSuggestions";
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from "@apollo/server/plugin/disabled";
import fastifyApollo from "@as-integrations/fastify";
import { InMemoryLRUCache } from "@apollo/utils.keyvaluecache";
import fastifyStatic from "@fastify/static";
import { getDistDirectory, renderAltair } from "altair-static";
import type { FastifyPluginAsync } from "fastify";
import type { DocumentNode } from "graphql";
import type { Services } from "../services.js";
import { productViewEffects } from "./catalog/product-views.js";
import { compiledExecutionPlugin } from "./compiled-execution.js";
import { createContext, type GraphQLContext } from "./context.js";
import { JsonTooDeepError, jsonNestsDeeperThan } from "../security/json-depth.js";
import { documentHeapBytes, stringHeapBytes } from "./document-memory.js";
import { createFormatError } from "./errors.js";
import { developmentLandingPagePlugin } from "./landing-page.js";
import { graphqlLimits } from "./limits.js";
import { metricsPlugin } from "./metrics.plugin.js";
import { registerResponseCache, responseCacheTagsPlugin } from "./response-cache.plugin.js";
import { buildGraphQLSchema } from "./schema.js";
import { refuseHttpSubscriptions } from "../subscriptions/http-refusal.js";
import { registerSubscriptions } from "../subscriptions/ws-server.js";

export interface GraphQLPluginOptions {
  services: Services;
}

const ALTAIR_PATH = "/altair/";
/** Altair's page: its own scripts and styles, plus the one inline start-up script (by nonce). */
const altairCsp = (nonce: string) =>
  `default-src 'self'; script-src 'self' 'nonce-${nonce}'; style-src 'self' 'unsafe-inline'; ` +
  "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; frame-ancestors 'none'";
const META_CSP = /<meta http-equiv="Content-Security-Policy" content="([^"]+)"/i;

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
  const limitChecks = graphqlLimits(limits);
  const apollo = new ApolloServer<GraphQLContext>({
    schema,
    introspection: !production,
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
    // GET carries variables and extensions as JSON texts, which Apollo parses itself.
    if (req.method === "GET") {
      const { variables, extensions } = req.query as Record<string, unknown>;
      for (const text of [variables, extensions]) {
        if (typeof text === "string" && jsonNestsDeeperThan(text)) throw new JsonTooDeepError();
      }
    }
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

  // Apollo's landing page states its policy (nonces and Apollo's CDN) in a <meta> tag; the header makes it hold
  // for the whole page, and frame-ancestors can only be set by a header.
  app.addHook("onSend", async (req, reply, payload) => {
    if (req.routeOptions.url !== "/graphql" || typeof payload !== "string") return payload;
    if (!String(reply.getHeader("content-type") ?? "").startsWith("text/html")) return payload;
    const policy = META_CSP.exec(payload)?.[1];
    reply.header("content-security-policy", `${policy ?? "default-src 'none'"}; frame-ancestors 'none'`);
    return payload;
  });

  if (responseCache) {
    registerResponseCache(
      app,
      {
        cache: services.cache,
        userCache: services.userCache,
        accounts: services.accounts,
        schema,
        ttlSeconds: config.cache.responseTtlSeconds,
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

  if (!production) {
    await app.register(async (ide) => {
      await ide.register(fastifyStatic, {
        root: getDistDirectory(),
        prefix: ALTAIR_PATH,
        index: false,
        schemaHide: true,
        decorateReply: false,
      });
      ide.get(ALTAIR_PATH, { schema: { hide: true } } as object, (_req, reply) => {
        const nonce = randomBytes(16).toString("base64");
        return reply
          .type("text/html; charset=utf-8")
          .header("content-security-policy", altairCsp(nonce))
          .send(
            renderAltair({
              cspNonce: nonce,
              baseURL: ALTAIR_PATH,
              endpointURL: "/graphql",
              // Subscriptions over graphql-ws on the same path; paste a token from `login` into the connection
              // payload (docs/subscriptions.md).
              subscriptionsEndpoint: "/graphql",
              initialSubscriptionRequestHandlerId: "graphql-ws",
              initialSubscriptionsPayload: { authorization: "Bearer <token from login>" },
              disableAccount: true,
              initialQuery:
                "{\n  categories {\n    type\n    name\n    products { pid name price }\n  }\n}\n",
            }),
          );
      });
    });
  }
};
