import { type AuthChecker, createParameterDecorator } from "type-graphql";
import type { SignedIn } from "../accounts/accounts.service.js";
import { ForbiddenError, UnauthenticatedError } from "../errors.js";

/**
 * The roles a field declares with type-graphql's `@Authorized(...)`: `@Authorized()` needs a signed-in user,
 * `@Authorized(Role.Admin)` an admin. A field without the decorator is public.
 */
export const Role = { Admin: "ADMIN" } as const;
export type Role = (typeof Role)[keyof typeof Role];

/** What both contexts (HTTP requests and WebSocket subscriptions) offer: the caller's sign-in, if any. */
interface SessionContext {
  session(): SignedIn | null | Promise<SignedIn | null>;
}

const SIGN_IN_FIRST = "sign in first: send Authorization: Bearer <token>";

/**
 * The one authorization check of the GraphQL API, run by type-graphql before every `@Authorized` field
 * (queries, mutations, the `subscribe` of subscriptions, field resolvers). It throws the API's own errors so
 * that clients keep telling UNAUTHENTICATED (no or a bad token) from FORBIDDEN (signed in, wrong role).
 */
export const authChecker: AuthChecker<SessionContext, Role> = async ({ context }, roles) => {
  const session = await context.session();
  if (!session) throw new UnauthenticatedError(SIGN_IN_FIRST);
  if (roles.includes(Role.Admin) && session.user.role !== "ADMIN") {
    throw new ForbiddenError("this needs an admin account");
  }
  return true;
};

async function sessionOf(context: SessionContext): Promise<SignedIn> {
  const session = await context.session();
  // Only reachable without @Authorized on the field: a programming error, not a client's.
  if (!session) throw new Error("@CurrentSession/@CurrentUser need @Authorized on the field");
  return session;
}

/** The caller's sign-in (user, token claims, cache snapshot), on an `@Authorized` field. */
export const CurrentSession = () =>
  createParameterDecorator<SessionContext>(({ context }) => sessionOf(context));

/** The signed-in user, on an `@Authorized` field. */
export const CurrentUser = () =>
  createParameterDecorator<SessionContext>(async ({ context }) => (await sessionOf(context)).user);
