import type { FastifyRequest } from "fastify";
import type { User } from "../accounts/accounts.service.js";
import { bearerToken } from "../auth/bearer.js";
import type { TokenClaims } from "../auth/tokens.js";
import type { Config } from "../config.js";
import { ForbiddenError, UnauthenticatedError } from "../errors.js";
import type { Services } from "../services.js";
import { createLoaders, type Loaders } from "./loaders.js";

export interface GraphQLContext {
  config: Config;
  services: Services;
  loaders: Loaders;
  request: FastifyRequest;
  /** The client's address (from X-Forwarded-For only behind a trusted proxy). */
  ip: string;
  /** The signed-in user, null when anonymous; rejects with UNAUTHENTICATED for a bad or revoked token. */
  viewer(): Promise<User | null>;
  /** The verified claims of the request's token, or UNAUTHENTICATED. */
  requireClaims(): Promise<TokenClaims>;
  /** The signed-in user, or UNAUTHENTICATED. */
  requireViewer(): Promise<User>;
  /** The signed-in admin, or UNAUTHENTICATED / FORBIDDEN. */
  requireAdmin(): Promise<User>;
}

export function createContext(config: Config, services: Services, request: FastifyRequest): GraphQLContext {
  const loaders = createLoaders(services);
  let session: Promise<{ user: User; claims: TokenClaims } | null> | undefined;
  const authenticate = () => {
    session ??= (async () => {
      const token = bearerToken(request.headers.authorization);
      if (token === undefined) return null;
      return services.accounts.authenticate(token, (id) => loaders.userById.load(id));
    })();
    return session;
  };
  const context: GraphQLContext = {
    config,
    services,
    loaders,
    request,
    ip: request.ip,
    async viewer() {
      return (await authenticate())?.user ?? null;
    },
    async requireClaims() {
      const current = await authenticate();
      if (!current) throw new UnauthenticatedError("sign in first: send Authorization: Bearer <token>");
      return current.claims;
    },
    async requireViewer() {
      const user = await context.viewer();
      if (!user) throw new UnauthenticatedError("sign in first: send Authorization: Bearer <token>");
      return user;
    },
    async requireAdmin() {
      const user = await context.requireViewer();
      if (user.role !== "ADMIN") throw new ForbiddenError("this needs an admin account");
      return user;
    },
  };
  return context;
}
