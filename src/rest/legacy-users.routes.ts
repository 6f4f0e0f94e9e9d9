import type { FastifyPluginAsync } from "fastify";
import { profileImages } from "../accounts/profile.js";
import { legacyUser } from "./legacy-auth.js";
import { sendLegacy } from "./legacy-errors.js";
import { findMySchema } from "./legacy.schemas.js";

export const legacyUsersRoutes: FastifyPluginAsync = async (app) => {
  const { config } = app.deps;

  app.get("/users/findMy", { schema: findMySchema }, async (req, reply) => {
    const user = await legacyUser(app.services, req);
    const images = profileImages(user, config);
    return sendLegacy(reply, 200, {
      msg: "查询我的成功",
      code: "A001",
      result: [
        {
          nickName: user.nickName ?? "",
          userImg: images.avatarUrl,
          userBg: images.backgroundUrl,
          desc: user.bio ?? "",
          vip: user.vip ?? 0,
        },
      ],
    });
  });
};
