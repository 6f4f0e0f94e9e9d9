import { createRequire } from "node:module";
import path from "node:path";
import fastifySwagger from "@fastify/swagger";
import fastifySwaggerUi from "@fastify/swagger-ui";
import fastifyStatic from "@fastify/static";
import fp from "fastify-plugin";

const REDOC_DIR = path.dirname(createRequire(import.meta.url).resolve("redoc/bundles/redoc.standalone.js"));

const REDOC_PAGE = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Coffee-shop API: legacy REST routes</title>
<style>body { margin: 0; padding: 0; }</style>
</head>
<body>
<redoc spec-url="/openapi.json"></redoc>
<script src="/redoc/assets/redoc.standalone.js"></script>
</body>
</html>
`;

const REDOC_CSP =
  "default-src 'self'; script-src 'self' blob:; worker-src 'self' blob:; style-src 'self' 'unsafe-inline'; " +
  "img-src 'self' data:; font-src 'self' data:";

/**
 * Registers the OpenAPI document of the tagged (legacy REST) routes at /openapi.json, Swagger UI at /docs and
 * ReDoc at /redoc, all served from npm packages so they work offline. Registered before the routes, on the root
 * instance (fastify-plugin), so the document sees every route.
 */
export const openApiPlugin = fp(
  async (app) => {
    await app.register(fastifySwagger, {
      openapi: {
        openapi: "3.0.3",
        info: {
          title: "Coffee-shop API: legacy REST routes",
          description:
            "The REST routes of the earlier service, answering byte-for-byte as before (success codes 400/500/600 " +
            'and "A001" included). The main API is GraphQL at /graphql.',
          version: "1.0.0",
        },
        tags: [
          { name: "auth", description: "Registration and login" },
          { name: "users", description: "The signed-in user" },
          { name: "products", description: "Categories and products" },
          { name: "promotions", description: "Home-screen banners" },
          { name: "system", description: "Welcome and health" },
        ],
        components: {
          securitySchemes: { bearerAuth: { type: "http", scheme: "bearer", bearerFormat: "JWT" } },
        },
      },
      // Only the tagged routes are the documented API: GraphQL, metrics, static files and the IDEs stay out.
      hideUntagged: true,
    });
    await app.register(fastifySwaggerUi, {
      routePrefix: "/docs",
      staticCSP: true,
      // Swagger UI sets a few inline styles; everything else stays same-origin.
      transformStaticCSP: (header) =>
        header.replace("style-src 'self' https:", "style-src 'self' 'unsafe-inline'"),
    });

    app.get("/openapi.json", { schema: { hide: true } }, async () => app.swagger());
    await app.register(async (redoc) => {
      await redoc.register(fastifyStatic, {
        root: REDOC_DIR,
        prefix: "/redoc/assets/",
        decorateReply: false,
        index: false,
        allowedPath: (pathName) => pathName === "/redoc.standalone.js",
      });
      redoc.get("/redoc", { schema: { hide: true } }, async (_req, reply) =>
        reply
          .type("text/html; charset=utf-8")
          // Same-origin only: keeps ReDoc's footer logo (on Redocly's CDN) from being fetched.
          .header("content-security-policy", REDOC_CSP)
          .send(REDOC_PAGE),
      );
    });
  },
  { name: "openapi" },
);
