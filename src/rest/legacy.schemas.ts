/**
 * OpenAPI descriptions of the legacy routes. They document; they do not validate or serialise (the
 * handlers do both, to answer byte-for-byte as the FastAPI service did). Every field of an answer is always
 * present, so every object lists all its properties as required; examples are real answers on the seed
 * catalogue (tests/integration/openapi.test.ts checks both against the live routes).
 */

/** An object whose every property is always present. */
const object = (properties: Record<string, unknown>) => ({
  type: "object",
  properties,
  required: Object.keys(properties),
});

const detail = (description: string, example: string) => ({
  description,
  ...object({ detail: { type: "string" } }),
  example: { detail: example },
});

/** The per-IP request limit (and, on /auth/login, the login limits); header Retry-After: seconds. */
const tooMany = detail(
  "Too many requests from this address (or, on login, for this username); Retry-After says when to retry",
  "请求过于频繁，请稍后再试",
);

const BASE = "http://localhost:8000/static/images";

const validationError = {
  description: "Request validation failed (FastAPI/pydantic shape): every invalid field, in field order",
  ...object({
    detail: {
      type: "array",
      items: {
        type: "object",
        properties: {
          type: { type: "string" },
          loc: { type: "array", items: { type: ["string", "integer"] } },
          msg: { type: "string" },
          input: {},
          ctx: { type: "object" },
        },
        required: ["type", "loc", "msg", "input"],
      },
    },
  }),
  example: { detail: [{ type: "missing", loc: ["body", "username"], msg: "Field required", input: null }] },
};

const dateTime = { type: "string", example: "2024-11-18T07:22:51", description: "UTC, no offset" };
const bearer = [{ bearerAuth: [] }];
const unauthenticated = detail(
  '"Not authenticated" without a Bearer token; "无效的认证凭据" for a bad, expired or revoked one',
  "无效的认证凭据",
);

export const rootSchema = {
  tags: ["system"],
  summary: "Welcome message",
  response: {
    200: {
      description: "Always the same message",
      ...object({ message: { type: "string" } }),
      example: { message: "欢迎使用咖啡店API服务" },
    },
    429: tooMany,
  },
};

export const healthSchema = {
  tags: ["system"],
  summary: "Liveness and dependency health",
  response: {
    200: {
      description: "Database and Redis reachable",
      ...object({ status: { type: "string" }, database: { type: "string" }, redis: { type: "string" } }),
      example: { status: "healthy", database: "connected", redis: "connected" },
    },
    503: {
      description: "A dependency is down; the body names it",
      ...object({ status: { type: "string" }, database: { type: "string" }, redis: { type: "string" } }),
      example: { status: "unhealthy", database: "connected", redis: "disconnected" },
    },
  },
};

export const registerSchema = {
  tags: ["auth"],
  summary: "Register an account",
  body: {
    type: "object",
    required: ["username", "password"],
    properties: {
      username: { type: "string", description: "3-32 letters, digits or underscores", example: "alice" },
      password: {
        type: "string",
        description: "8-128 characters, a letter and a digit",
        example: "latte4ever",
      },
      nickName: { type: "string", default: "" },
      phoneNum: { type: ["integer", "string", "null"], description: "mobile number", example: 13800138000 },
    },
  },
  response: {
    200: {
      description: "Registered (code 200)",
      ...object({ msg: { type: "string" }, code: { type: "integer" } }),
      example: { msg: "注册成功", code: 200 },
    },
    400: detail("Username taken (case-insensitively)", "用户名已存在"),
    422: validationError,
    429: tooMany,
    500: detail("Unexpected failure", "注册失败，请稍后重试"),
  },
};

export const loginSchema = {
  tags: ["auth"],
  summary: "Log in (OAuth2 password form)",
  consumes: ["application/x-www-form-urlencoded", "multipart/form-data", "application/json"],
  body: {
    type: "object",
    required: ["username", "password"],
    properties: {
      username: { type: "string" },
      password: { type: "string" },
      grant_type: { type: "string", pattern: "password" },
      scope: { type: "string" },
      client_id: { type: "string" },
      client_secret: { type: "string" },
    },
  },
  response: {
    200: {
      description: "A bearer token, valid on the REST routes and GraphQL",
      ...object({ access_token: { type: "string" }, token_type: { type: "string" } }),
      example: {
        access_token:
          "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ2ZXIiOjAsImlzcyI6ImNvZmZlZS1zaG9wLWFwaSIsImF1ZCI6ImNvZmZlZS1zaG9wLWNsaWVudHMiLCJzdWIiOiI0MiJ9.signature",
        token_type: "bearer",
      },
    },
    401: detail(
      "Unknown user or wrong password (same answer); header WWW-Authenticate: Bearer",
      "用户名或密码错误",
    ),
    422: validationError,
    429: tooMany,
  },
};

export const findMySchema = {
  tags: ["users"],
  summary: "My profile",
  security: bearer,
  response: {
    200: {
      description: 'Profile (code is the string "A001")',
      ...object({
        msg: { type: "string" },
        code: { type: "string" },
        result: {
          type: "array",
          items: object({
            nickName: { type: "string" },
            userImg: { type: "string" },
            userBg: { type: "string" },
            desc: { type: "string" },
            vip: { type: "integer" },
          }),
        },
      }),
      example: {
        msg: "查询我的成功",
        code: "A001",
        result: [
          {
            nickName: "爱丽丝",
            userImg: `${BASE}/default-avatar.png`,
            userBg: `${BASE}/default-background.png`,
            desc: "",
            vip: 0,
          },
        ],
      },
    },
    401: unauthenticated,
    429: tooMany,
  },
};

const category = object({
  id: { type: "integer" },
  type: { type: "string" },
  typeDesc: { type: "string" },
  createdAt: dateTime,
  updatedAt: dateTime,
});

const seeded = { createdAt: "2026-12-01T12:26:05", updatedAt: "2026-12-01T12:26:05" };

export const typesSchema = {
  tags: ["products"],
  summary: "Categories, by id",
  response: {
    200: {
      description: "Categories (code 400 means success)",
      ...object({ result: { type: "array", items: category }, code: { type: "integer" } }),
      example: {
        result: [
          { id: 1, type: "latte", typeDesc: "拿铁", ...seeded },
          { id: 2, type: "rena_ice", typeDesc: "瑞纳冰", ...seeded },
          { id: 3, type: "coffee", typeDesc: "咖啡", ...seeded },
          { id: 4, type: "fruit_tea", typeDesc: "水果茶", ...seeded },
        ],
        code: 400,
      },
    },
    429: tooMany,
  },
};

export const typeProductsSchema = {
  tags: ["products"],
  summary: "Products of a category (type matched case-insensitively)",
  params: { type: "object", properties: { type_name: { type: "string", example: "latte" } } },
  response: {
    200: {
      description: "Products by id (code 500 means success); an unknown type gives an empty list",
      ...object({
        result: {
          type: "array",
          items: object({
            id: { type: "integer" },
            pid: { type: "string" },
            type: { type: "string" },
            name: { type: "string" },
            price: { type: "number", description: "a float, as the old service wrote it (28.0)" },
            desc: { type: "string" },
            smallImg: { type: "string" },
            largeImg: { type: "string" },
            typeDesc: { type: "string" },
            isHot: { type: "integer", enum: [0, 1] },
            enname: { type: "string" },
            createdAt: dateTime,
            updatedAt: dateTime,
          }),
        },
        code: { type: "integer" },
      }),
      example: {
        result: [
          {
            id: 1,
            pid: "latte001",
            type: "latte",
            name: "黑糖拿铁",
            price: 28.0,
            desc: "黑糖的焦香融进丝滑拿铁，甜而不腻。",
            smallImg: `${BASE}/products/latte001-small.png`,
            largeImg: `${BASE}/products/latte001-large.png`,
            typeDesc: "拿铁",
            isHot: 0,
            enname: "Brown Sugar Latte",
            ...seeded,
          },
        ],
        code: 500,
      },
    },
    429: tooMany,
  },
};

const optionField = (description: string) => ({ type: "string", description });

export const productDetailSchema = {
  tags: ["products"],
  summary: "One product with its options",
  params: { type: "object", properties: { pid: { type: "string", example: "latte001" } } },
  response: {
    200: {
      description: "Detail (code 600 means success); options are choices joined by '/'",
      ...object({
        msg: { type: "string" },
        code: { type: "integer" },
        result: {
          type: "array",
          items: object({
            pid: { type: "string" },
            type: { type: "string" },
            enname: { type: "string" },
            desc: { type: "string" },
            name: { type: "string" },
            price: { type: "string", description: "two decimals, as a string" },
            small_img: { type: "string" },
            large_img: { type: "string" },
            is_hot: { type: "integer" },
            type_desc: { type: "string" },
            tem: optionField("temperature choices, e.g. 冷/热"),
            tem_desc: { type: "string" },
            milk: optionField("milk choices"),
            milk_desc: { type: "string" },
            sugar: optionField("sugar choices, e.g. 全糖/半糖"),
            sugar_desc: { type: "string" },
            cream: optionField("cream choices"),
            cream_desc: { type: "string" },
          }),
        },
      }),
      example: {
        msg: "查询商品详情成功",
        code: 600,
        result: [
          {
            pid: "latte001",
            type: "latte",
            enname: "Brown Sugar Latte",
            desc: "黑糖的焦香融进丝滑拿铁，甜而不腻。",
            name: "黑糖拿铁",
            price: "28.00",
            small_img: `${BASE}/products/latte001-small.png`,
            large_img: `${BASE}/products/latte001-large.png`,
            is_hot: 0,
            type_desc: "拿铁",
            tem: "冷/热",
            tem_desc: "温度",
            milk: "",
            milk_desc: "奶",
            sugar: "全糖/半糖",
            sugar_desc: "糖",
            cream: "默认奶油/无奶油",
            cream_desc: "奶油",
          },
        ],
      },
    },
    404: detail("Unknown pid", "商品不存在"),
    429: tooMany,
  },
};

export const promotionsSchema = {
  tags: ["promotions"],
  summary: "Home-screen banners, by sort order",
  response: {
    200: {
      description: "Active promotions",
      ...object({
        data: { type: "array", items: object({ imgUrl: { type: "string" }, desc: { type: "string" } }) },
      }),
      example: {
        data: [
          { imgUrl: `${BASE}/promotions/banner-1.png`, desc: "新品黑糖啵啵拿铁，限时第二杯半价" },
          { imgUrl: `${BASE}/promotions/banner-2.png`, desc: "注册会员即送一张5元饮品券" },
        ],
      },
    },
    429: tooMany,
  },
};
