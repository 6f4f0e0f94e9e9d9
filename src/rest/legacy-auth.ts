import type { FastifyRequest } from "fastify";
import type { UserRow } from "../accounts/accounts.service.js";
import { signedIn } from "../auth/request-identity.js";
import { UnauthenticatedError } from "../errors.js";
import type { Services } from "../services.js";
import { BEARER_CHALLENGE, LegacyHttpError } from "./legacy-errors.js";

/** The user of a legacy request, with the contract's two 401 answers. */
export async function legacyUser(services: Services, req: FastifyRequest): Promise<UserRow> {
  try {
    const session = await signedIn(services.accounts, req);
    if (!session) throw new LegacyHttpError(401, "Not authenticated", BEARER_CHALLENGE);
    return session.user;
  } catch (err) {
    if (err instanceof UnauthenticatedError)
      throw new LegacyHttpError(401, "无效的认证凭据", BEARER_CHALLENGE);
    throw err;
  }
}
