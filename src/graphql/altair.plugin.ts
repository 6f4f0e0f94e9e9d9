import { randomBytes } from "node:crypto";
import fastifyStatic from "@fastify/static";
import { getDistDirectory, renderAltair } from "altair-static";
import type { FastifyPluginAsync } from "fastify";

const ALTAIR_PATH = "/altair/";
/** Altair's page: its own scripts and styles, plus the one inline start-up script (by nonce). */
const altairCsp = (nonce: string) =>
  `default-src 'self'; script-src 'self' 'nonce-${nonce}'; style-src 'self' 'unsafe-inline'; ` +
  "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; frame-ancestors 'none'";

/**
 * The offline GraphQL IDE for developers (Altair, served from npm) at /altair/, next to Apollo Sandbox, which
 * needs internet. Registered in development only (src/app.ts).
 */
export const altairPlugin: FastifyPluginAsync = async (ide) => {
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
          initialQuery: "{\n  categories {\n    type\n    name\n    products { pid name price }\n  }\n}\n",
        }),
      );
  });
};
