import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TokenService } from "../../src/auth/tokens.js";
import { LoginDocument, MeDocument, ProductDocument } from "../generated/graphql.js";
import { createTestApp, type TestApp } from "../helpers/app.js";
import { gql } from "../helpers/graphql.js";
import { get, postForm, postJson, raw } from "../helpers/legacy.js";

let t: TestApp;
let base: string;
beforeAll(async () => {
  t = await createTestApp();
  base = t.config.publicBaseUrl;
});
afterAll(() => t.close());

const dt = (d: Date) => d.toISOString().slice(0, 19);
let counter = 0;
const uniqueName = (label: string) => `${label}_${process.pid}_${++counter}`.slice(0, 32);

async function registerLegacy(username: string, password = "coffee123") {
  const res = await postJson(t.app, "/auth/register", { username, password });
  expect(res.body).toBe('{"msg":"注册成功","code":200}');
  const login = await postForm(t.app, "/auth/login", { username, password });
  return JSON.parse(login.body).access_token as string;
}

describe("legacy REST: catalogue", () => {
  it("GET /products/type: categories by id, code 400", async () => {
    const rows = await t.db.prisma.category.findMany({ orderBy: { id: "asc" } });
    const res = await get(t.app, "/products/type");
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toBe("application/json");
    const expected = rows
      .slice(0, 4)
      .map(
        (c) =>
          `{"id":${c.id},"type":"${c.type}","typeDesc":"${c.name}","createdAt":"${dt(c.createdAt)}","updatedAt":"${dt(c.updatedAt)}"}`,
      );
    expect(res.body.startsWith(`{"result":[${expected.join(",")}`)).toBe(true);
    expect(res.body.endsWith('],"code":400}')).toBe(true);
    expect(rows.slice(0, 4).map((c) => c.name)).toEqual(["拿铁", "瑞纳冰", "咖啡", "水果茶"]);
  });

  it("GET /products/typeProducts/{type}: products by id, float prices, code 500, any letter case", async () => {
    const rows = await t.db.prisma.product.findMany({
      where: { category: { type: "rena_ice" } },
      orderBy: { id: "asc" },
    });
    const product = (p: (typeof rows)[number], name: string, en: string, desc: string) =>
      `{"id":${p.id},"pid":"${p.pid}","type":"rena_ice","name":"${name}","price":28.0,"desc":"${desc}",` +
      `"smallImg":"${base}static/images/products/${p.pid}-small.png","largeImg":"${base}static/images/products/${p.pid}-large.png",` +
      `"typeDesc":"瑞纳冰","isHot":0,"enname":"${en}","createdAt":"${dt(p.createdAt)}","updatedAt":"${dt(p.updatedAt)}"}`;
    const expected =
      `{"result":[` +
      [
        product(rows[0], "巧克力瑞纳冰", "Chocolate Exfreezo", "巧克力冰沙配奶油，夏日解暑。"),
        product(rows[1], "抹茶瑞纳冰", "Matcha Exfreezo", "宇治抹茶冰沙，清新微苦。"),
        product(rows[2], "卡布奇诺瑞纳冰", "Cappuccino Exfreezo", "卡布奇诺风味冰沙，咖啡香十足。"),
      ].join(",") +
      `],"code":500}`;
    for (const type of ["rena_ice", "RENA_ICE", "Rena_Ice"]) {
      const res = await get(t.app, `/products/typeProducts/${type}`);
      expect(res.status).toBe(200);
      expect(res.body).toBe(expected);
    }
    const latte = await get(t.app, "/products/typeProducts/latte");
    expect(JSON.parse(latte.body).result).toHaveLength(7);
    expect(latte.body).toContain('"desc":"厚乳搭配核桃风味，口感浓郁顺滑。\\n推荐冰饮。"');
    expect(latte.body).toContain('"price":21.0,');
  });

  it("GET /products/typeProducts/{unknown}: empty list, code 500", async () => {
    for (const type of ["nope", "' OR '1'='1", "%25", "拿铁"]) {
      const res = await get(t.app, `/products/typeProducts/${encodeURIComponent(type)}`);
      expect(res.status).toBe(200);
      expect(res.body).toBe('{"result":[],"code":500}');
    }
  });

  it("GET /products/productDetail/{pid}: string price, options joined by '/', labels", async () => {
    const res = await get(t.app, "/products/productDetail/latte001");
    expect(res.status).toBe(200);
    expect(res.body).toBe(
      `{"msg":"查询商品详情成功","code":600,"result":[{"pid":"latte001","type":"latte","enname":"Brown Sugar Latte",` +
        `"desc":"黑糖的焦香融进丝滑拿铁，甜而不腻。","name":"黑糖拿铁","price":"28.00",` +
        `"small_img":"${base}static/images/products/latte001-small.png","large_img":"${base}static/images/products/latte001-large.png",` +
        `"is_hot":0,"type_desc":"拿铁","tem":"冷/热","tem_desc":"温度","milk":"","milk_desc":"奶","sugar":"全糖/半糖",` +
        `"sugar_desc":"糖","cream":"默认奶油/无奶油","cream_desc":"奶油"}]}`,
    );
    const coffee005 = JSON.parse((await get(t.app, "/products/productDetail/coffee005")).body).result[0];
    expect([coffee005.tem, coffee005.milk, coffee005.sugar, coffee005.cream]).toEqual([
      "热",
      "无奶/单份奶/双份奶",
      "",
      "",
    ]);
    const rena = JSON.parse((await get(t.app, "/products/productDetail/rena_ice002")).body).result[0];
    expect([rena.tem, rena.tem_desc, rena.cream, rena.is_hot]).toEqual(["", "温度", "默认奶油/无奶油", 0]);
  });

  it("GET /products/productDetail/{unknown}: 404 商品不存在", async () => {
    const res = await get(t.app, "/products/productDetail/nope001");
    expect(res.status).toBe(404);
    expect(res.body).toBe('{"detail":"商品不存在"}');
  });

  it("GET /promotions/searchguess: data only, by sort order", async () => {
    const res = await get(t.app, "/promotions/searchguess");
    expect(res.body).toBe(
      `{"data":[` +
        [
          "新品黑糖啵啵拿铁，限时第二杯半价",
          "注册会员即送一张5元饮品券",
          "每周三水果茶日，全场水果茶8折",
          "早八点前下单，美式咖啡只要15元",
        ]
          .map(
            (desc, i) => `{"imgUrl":"${base}static/images/promotions/banner-${i + 1}.png","desc":"${desc}"}`,
          )
          .join(",") +
        `]}`,
    );
  });

  it("GET / and GET /health", async () => {
    expect((await get(t.app, "/")).body).toBe('{"message":"欢迎使用咖啡店API服务"}');
    expect((await get(t.app, "/health")).body).toBe(
      '{"status":"healthy","database":"connected","redis":"connected"}',
    );
  });
});

describe("legacy REST: accounts", () => {
  it("POST /auth/register: 200 code 200, 11-digit phone stored as text, numeric string accepted", async () => {
    const username = uniqueName("reg");
    const res = await postJson(t.app, "/auth/register", {
      username,
      password: "coffee123",
      nickName: "小明",
      phoneNum: 13800138000,
      extra: "ignored",
    });
    expect(res.status).toBe(200);
    expect(res.body).toBe('{"msg":"注册成功","code":200}');
    const user = await t.db.prisma.user.findUniqueOrThrow({ where: { username } });
    expect([user.nickName, user.phone]).toEqual(["小明", "13800138000"]);

    const other = uniqueName("reg");
    expect(
      (
        await postJson(t.app, "/auth/register", {
          username: other,
          password: "coffee123",
          phoneNum: "13900139000",
        })
      ).status,
    ).toBe(200);
    expect((await t.db.prisma.user.findUniqueOrThrow({ where: { username: other } })).phone).toBe(
      "13900139000",
    );
  });

  it("POST /auth/register: 400 用户名已存在 for a taken name in any letter case", async () => {
    const username = uniqueName("dup");
    await postJson(t.app, "/auth/register", { username, password: "coffee123" });
    const res = await postJson(t.app, "/auth/register", {
      username: username.toUpperCase(),
      password: "coffee123",
    });
    expect(res.status).toBe(400);
    expect(res.body).toBe('{"detail":"用户名已存在"}');
  });

  it("POST /auth/register: 422 in FastAPI's shape", async () => {
    const cases: [unknown, string][] = [
      [
        { password: 1, phoneNum: "x" },
        '{"detail":[{"type":"missing","loc":["body","username"],"msg":"Field required","input":{"password":1,"phoneNum":"x"}},' +
          '{"type":"string_type","loc":["body","password"],"msg":"Input should be a valid string","input":1},' +
          '{"type":"int_parsing","loc":["body","phoneNum"],"msg":"Input should be a valid integer, unable to parse string as an integer","input":"x"}]}',
      ],
      [
        { username: "ok_name", password: "coffee123", nickName: null, phoneNum: 1.5 },
        '{"detail":[{"type":"string_type","loc":["body","nickName"],"msg":"Input should be a valid string","input":null},' +
          '{"type":"int_from_float","loc":["body","phoneNum"],"msg":"Input should be a valid integer, got a number with a fractional part","input":1.5}]}',
      ],
      [
        [1, 2],
        '{"detail":[{"type":"model_attributes_type","loc":["body"],"msg":"Input should be a valid dictionary or object to extract fields from","input":[1,2]}]}',
      ],
      ["", '{"detail":[{"type":"missing","loc":["body"],"msg":"Field required","input":null}]}'],
      [
        { username: "", password: "coffee123" },
        '{"detail":[{"type":"value_error","loc":["body","username"],"msg":"Value error, username must be 3-32 characters: letters a-z, digits and underscores","input":"","ctx":{"error":"username must be 3-32 characters: letters a-z, digits and underscores"}}]}',
      ],
      [
        { username: uniqueName("weak"), password: "123456" },
        '{"detail":[{"type":"value_error","loc":["body","password"],"msg":"Value error, password must be 8-128 characters long","input":"123456","ctx":{"error":"password must be 8-128 characters long"}}]}',
      ],
    ];
    for (const [body, expected] of cases) {
      const res = await postJson(t.app, "/auth/register", body);
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(res.body).toBe(expected);
    }
    const badJson = await postJson(t.app, "/auth/register", '{"username": ');
    expect(badJson.status).toBe(422);
    expect(badJson.body).toMatch(
      /^\{"detail":\[\{"type":"json_invalid","loc":\["body",\d+\],"msg":"JSON decode error","input":\{\},"ctx":\{"error":".+"\}\}\]\}$/,
    );

    const form = await raw(t.app, {
      method: "POST",
      url: "/auth/register",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: "username=a&password=b",
    });
    expect(form.status).toBe(422);
    expect(form.body).toBe(
      '{"detail":[{"type":"model_attributes_type","loc":["body"],"msg":"Input should be a valid dictionary or object to extract fields from","input":"username=a&password=b"}]}',
    );
  });

  it("POST /auth/login: the token pair from a form, multipart or JSON body", async () => {
    const username = uniqueName("login");
    await registerLegacy(username);
    const form = await postForm(t.app, "/auth/login", {
      username,
      password: "coffee123",
      grant_type: "password",
      scope: "",
    });
    expect(form.status).toBe(200);
    expect(form.body).toMatch(/^\{"access_token":"[\w-]+\.[\w-]+\.[\w-]+","token_type":"bearer"\}$/);

    const boundary = "----legacy";
    const multipart = await raw(t.app, {
      method: "POST",
      url: "/auth/login",
      headers: { "content-type": `multipart/form-data; boundary=${boundary}` },
      payload:
        `--${boundary}\r\nContent-Disposition: form-data; name="username"\r\n\r\n${username}\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="password"\r\n\r\ncoffee123\r\n--${boundary}--\r\n`,
    });
    expect(multipart.body).toMatch(/^\{"access_token":"[^"]+","token_type":"bearer"\}$/);

    const json = await postJson(t.app, "/auth/login", { username, password: "coffee123" });
    expect(json.body).toMatch(/^\{"access_token":"[^"]+","token_type":"bearer"\}$/);
  });

  it("POST /auth/login: one 401 for an unknown user and a wrong password, with WWW-Authenticate", async () => {
    const username = uniqueName("login");
    await registerLegacy(username);
    for (const fields of [
      { username, password: "wrong-pass1" },
      { username: uniqueName("ghost"), password: "coffee123" },
    ]) {
      const res = await postForm(t.app, "/auth/login", fields);
      expect(res.status).toBe(401);
      expect(res.headers["www-authenticate"]).toBe("Bearer");
      expect(res.body).toBe('{"detail":"用户名或密码错误"}');
    }
  });

  it("POST /auth/login: 422 missing for empty or absent fields, pattern for a bad grant_type", async () => {
    const res = await postForm(t.app, "/auth/login", { username: "", grant_type: "client_credentials" });
    expect(res.status).toBe(422);
    expect(res.body).toBe(
      '{"detail":[{"type":"string_pattern_mismatch","loc":["body","grant_type"],"msg":"String should match pattern \'password\'","input":"client_credentials","ctx":{"pattern":"password"}},' +
        '{"type":"missing","loc":["body","username"],"msg":"Field required","input":null},' +
        '{"type":"missing","loc":["body","password"],"msg":"Field required","input":null}]}',
    );
  });

  it("GET /users/findMy: the profile with default images, code A001", async () => {
    const username = uniqueName("me");
    const token = await registerLegacy(username);
    const res = await get(t.app, "/users/findMy", token);
    expect(res.status).toBe(200);
    expect(res.body).toBe(
      `{"msg":"查询我的成功","code":"A001","result":[{"nickName":"","userImg":"${t.config.defaultAvatarUrl}","userBg":"${t.config.defaultBackgroundUrl}","desc":"","vip":0}]}`,
    );
    const lower = await raw(t.app, {
      method: "GET",
      url: "/users/findMy",
      headers: { authorization: `bearer ${token}` },
    });
    expect(lower.status).toBe(200);
  });

  it("GET /users/findMy: both 401 answers", async () => {
    const username = uniqueName("gone");
    const token = await registerLegacy(username);
    const expired = await new TokenService(t.config.auth).issue(
      1,
      0,
      new Date(Date.now() - 60 * 24 * 3600_000),
    );
    const notAuthenticated = [undefined, "Basic dXNlcjpwYXNz", "Token abc"];
    for (const authorization of notAuthenticated) {
      const res = await raw(t.app, {
        method: "GET",
        url: "/users/findMy",
        headers: authorization ? { authorization } : {},
      });
      expect(res.status).toBe(401);
      expect(res.headers["www-authenticate"]).toBe("Bearer");
      expect(res.body).toBe('{"detail":"Not authenticated"}');
    }
    await t.db.prisma.user.delete({ where: { username } });
    for (const authorization of [
      "Bearer",
      "Bearer ",
      "Bearer not.a.jwt",
      `Bearer ${token}x`,
      `Bearer ${expired.token}`,
      `Bearer ${token}`,
    ]) {
      const res = await raw(t.app, { method: "GET", url: "/users/findMy", headers: { authorization } });
      expect(res.status, authorization).toBe(401);
      expect(res.headers["www-authenticate"]).toBe("Bearer");
      expect(res.body).toBe('{"detail":"无效的认证凭据"}');
    }
  });

  it("shares tokens with GraphQL both ways", async () => {
    const username = uniqueName("both");
    const restToken = await registerLegacy(username);
    expect((await gql(t.app, MeDocument, {}, restToken)).data!.me!.username).toBe(username);
    const gqlToken = (await gql(t.app, LoginDocument, { input: { username, password: "coffee123" } })).data!
      .login.token;
    expect((await get(t.app, "/users/findMy", gqlToken)).status).toBe(200);
  });
});

describe("legacy REST: routing", () => {
  it("answers 405 with Allow on a known path and 404 elsewhere", async () => {
    for (const [method, url, allow] of [
      ["POST", "/products/type", "GET"],
      ["DELETE", "/products/productDetail/latte001", "GET"],
      ["GET", "/auth/login", "POST"],
      ["PUT", "/auth/register", "POST"],
      ["POST", "/health", "GET"],
    ] as const) {
      const res = await raw(t.app, { method, url });
      expect(res.status, `${method} ${url}`).toBe(405);
      expect(res.headers.allow).toBe(allow);
      expect(res.body).toBe('{"detail":"Method Not Allowed"}');
    }
    for (const url of ["/products", "/products/typeProducts", "/auth", "/users/findMy/extra"]) {
      const res = await get(t.app, url);
      expect(res.status, url).toBe(404);
      expect(res.body).toBe('{"detail":"Not Found"}');
    }
  });
});

describe("one product, three ways", () => {
  it("GraphQL product(pid), typeProducts and productDetail agree", async () => {
    const { data } = await gql(t.app, ProductDocument, { pid: "latte006" });
    const g = data!.product!;
    const list = JSON.parse((await get(t.app, "/products/typeProducts/latte")).body).result;
    const fromList = list.find((p: { pid: string }) => p.pid === "latte006");
    const detail = JSON.parse((await get(t.app, "/products/productDetail/latte006")).body).result[0];

    expect([fromList.id, fromList.name, fromList.enname, fromList.desc]).toEqual([
      g.databaseId,
      g.name,
      g.enName,
      g.description,
    ]);
    expect([detail.name, detail.enname, detail.desc]).toEqual([g.name, g.enName, g.description]);
    expect([fromList.price.toFixed(2), detail.price]).toEqual([g.price, g.price]);
    expect([fromList.smallImg, fromList.largeImg, detail.small_img, detail.large_img]).toEqual([
      g.smallImage,
      g.largeImage,
      g.smallImage,
      g.largeImage,
    ]);
    expect([fromList.isHot, detail.is_hot]).toEqual([1, 1]);
    expect([fromList.type, fromList.typeDesc, detail.type, detail.type_desc]).toEqual([
      g.category.type,
      g.category.name,
      g.category.type,
      g.category.name,
    ]);
    const choices = (kind: string) =>
      g.options
        .find((o) => o.kind === kind)
        ?.choices.map((c) => c.value)
        .join("/") ?? "";
    expect([detail.tem, detail.sugar, detail.milk, detail.cream]).toEqual([
      choices("TEMPERATURE"),
      choices("SUGAR"),
      choices("MILK"),
      choices("CREAM"),
    ]);
    expect(g.isHot).toBe(true);
  });
});
