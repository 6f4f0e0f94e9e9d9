import type { FastifyRequest } from "fastify";
import type { Session, SignedIn, UserRow } from "../accounts/accounts.service.js";
import { signedIn } from "../auth/request-identity.js";
import type { Config } from "../config.js";
import type { Services } from "../services.js";
import { createLoaders, type Loaders } from "./loaders.js";

export interface GraphQLContext {
  config: Config;
  services: Services;
  loaders: Loaders;
  request: FastifyRequest;
  /** The client's address (from X-Forwarded-For only behind a trusted proxy). */
  ip: string;
  /** The sign-in of this request, null when anonymous; rejects with UNAUTHENTICATED for a bad token. */
  session(): Promise<SignedIn | null>;
  /** The signed-in user, null when anonymous; rejects with UNAUTHENTICATED for a bad or revoked token. */
  viewer(): Promise<UserRow | null>;
  /**
   * The rest of the operation runs as the user just signed in (login, register, changePassword): their
   * payload's `user { cart ... }` is that user's, whatever token the request came with.
   */
  signIn(session: Session): void;
}

export function createContext(config: Config, services: Services, request: FastifyRequest): GraphQLContext {
  let current: Promise<SignedIn | null> | undefined;
  const session = () => (current ??= signedIn(services.accounts, request));
  const context: GraphQLContext = {
    config,
    services,
    loaders: createLoaders(services),
    request,
    ip: request.ip,
    session,
    async viewer() {
      return (await session())?.user ?? null;
    },
    signIn({ user, jti, expiresAt }) {
      const claims = { userId: user.id, tokenVersion: user.tokenVersion, jti, expiresAt };
      current = Promise.resolve({ user, claims, snapshot: null });
    },
  };
  return context;
}
