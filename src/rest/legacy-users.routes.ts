import type { FastifyPluginAsync } from "fastify";
import { legacyUser } from "./legacy-auth.js";
import { sendLegacy } from "./legacy-errors.js";
import { findMySchema } from "./legacy.schemas.js";

export const legacyUsersRoutes: FastifyPluginAsync = async (app) => {
  const { config } = app.deps;

  app.get("/users/findMy", { schema: findMySchema }, async (req, reply) => {
    const user = await legacyUser(app.services, req);
    return sendLegacy(reply, 200, {
      msg: "查询我的成功",
      code: "A001",
      result: [
        {
          nickName: user.nickName ?? "",
          userImg: user.avatarUrl || config.defaultAvatarUrl,
          userBg: user.backgroundUrl || config.defaultBackgroundUrl,
          desc: user.bio ?? "",
          vip: user.vip ?? 0,
        },
      ],
    });
  });
};
