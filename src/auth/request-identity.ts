import type { FastifyRequest } from "fastify";
import type { AccountsService, SignedIn } from "../accounts/accounts.service.js";
import { bearerToken } from "./bearer.js";

declare module "fastify" {
  interface FastifyRequest {
    /** The request's sign-in, checked at most once per request whichever part of the app asks first. */
    signedIn?: Promise<SignedIn | null>;
    /** The signed-in user's id once known (for the access log). */
    userId?: number;
  }
}

/**
 * The request's verified sign-in, null without credentials; rejects with UnauthenticatedError for a bad,
 * expired or revoked token. Memoised on the request.
 */
export function signedIn(accounts: AccountsService, req: FastifyRequest): Promise<SignedIn | null> {
  req.signedIn ??= (async () => {
    const token = bearerToken(req.headers.authorization);
    if (token === undefined) return null;
    const session = await accounts.authenticate(token);
    req.userId = session.user.id;
    return session;
  })();
  return req.signedIn;
}
