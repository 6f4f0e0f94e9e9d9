import type { Config } from "../config.js";
import type { UserRow } from "./accounts.service.js";

/** A user's avatar and background, or the configured defaults: one rule for GraphQL and the legacy routes. */
export function profileImages(user: Pick<UserRow, "avatarUrl" | "backgroundUrl">, config: Config) {
  return {
    avatarUrl: user.avatarUrl || config.defaultAvatarUrl,
    backgroundUrl: user.backgroundUrl || config.defaultBackgroundUrl,
  };
}
