/**
 * OpenAPI descriptions of the legacy routes. They document; they do not validate or serialise (the
 * handlers do both, to answer byte-for-byte as the FastAPI service did).
 */

const detail = (description: string, example: unknown) => ({
  description,
  type: "object",
  properties: { detail: {} },
  example: { detail: example },
});

const validationError = {
  description: "Request validation failed (FastAPI/pydantic shape)",
  type: "object",
  properties: {
    detail: {
      type: "array",
      items: {
        type: "object",
        properties: {
          type: { type: "string" },
          loc: { type: "array", items: {} },
          msg: { type: "string" },
          input: {},
        },
      },
    },
  },
  example: { detail: [{ type: "missing", loc: ["body", "username"], msg: "Field required", input: null }] },
};

const dateTime = { type: "string", example: "2024-11-18T07:22:51", description: "UTC, no offset" };
const bearer = [{ bearerAuth: [] }];
const unauthenticated = {
  description:
    '"Not authenticated" without a Bearer token; "无效的认证凭据" for a bad, expired or revoked one',
  type: "object",
  properties: { detail: { type: "string" } },
  example: { detail: "无效的认证凭据" },
};

export const rootSchema = {
  tags: ["system"],
  summary: "Welcome message",
  response: { 200: { type: "object", properties: { message: { type: "string" } } } },
};

export const healthSchema = {
  tags: ["system"],
  summary: "Liveness and dependency health",
  response: {
    200: {
      description: "Database and Redis reachable",
      type: "object",
      properties: { status: { type: "string" }, database: { type: "string" }, redis: { type: "string" } },
      example: { status: "healthy", database: "connected", redis: "connected" },
    },
    503: {
      description: "A dependency is down; the body names it",
      type: "object",
      properties: { status: { type: "string" }, database: { type: "string" }, redis: { type: "string" } },
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
      type: "object",
      properties: { msg: { type: "string" }, code: { type: "integer" } },
      example: { msg: "注册成功", code: 200 },
    },
    400: detail("Username taken (case-insensitively)", "用户名已存在"),
    422: validationError,
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
      type: "object",
      properties: { access_token: { type: "string" }, token_type: { type: "string" } },
      example: { access_token: "eyJhbGciOiJIUzI1NiIs...", token_type: "bearer" },
    },
    401: detail(
      "Unknown user or wrong password (same answer); header WWW-Authenticate: Bearer",
      "用户名或密码错误",
    ),
    422: validationError,
  },
};

export const findMySchema = {
  tags: ["users"],
  summary: "My profile",
  security: bearer,
  response: {
    200: {
      description: 'Profile (code is the string "A001")',
      type: "object",
      properties: {
        msg: { type: "string" },
        code: { type: "string" },
        result: {
          type: "array",
          items: {
            type: "object",
            properties: {
              nickName: { type: "string" },
              userImg: { type: "string" },
              userBg: { type: "string" },
              desc: { type: "string" },
              vip: { type: "integer" },
            },
          },
        },
      },
      example: {
        msg: "查询我的成功",
        code: "A001",
        result: [
          {
            nickName: "爱丽丝",
            userImg: "http://localhost:8000/static/images/default-avatar.png",
            userBg: "http://localhost:8000/static/images/default-background.png",
            desc: "",
            vip: 0,
          },
        ],
      },
    },
    401: unauthenticated,
  },
};

const category = {
  type: "object",
  properties: {
    id: { type: "integer" },
    type: { type: "string" },
    typeDesc: { type: "string" },
    createdAt: dateTime,
    updatedAt: dateTime,
  },
};

export const typesSchema = {
  tags: ["products"],
  summary: "Categories, by id",
  response: {
    200: {
      description: "Categories (code 400 means success)",
      type: "object",
      properties: { result: { type: "array", items: category }, code: { type: "integer", example: 400 } },
    },
  },
};

export const typeProductsSchema = {
  tags: ["products"],
  summary: "Products of a category (type matched case-insensitively)",
  params: { type: "object", properties: { type_name: { type: "string", example: "latte" } } },
  response: {
    200: {
      description: "Products by id (code 500 means success); an unknown type gives an empty list",
      type: "object",
      properties: {
        result: {
          type: "array",
          items: {
            type: "object",
            properties: {
              id: { type: "integer" },
              pid: { type: "string" },
              type: { type: "string" },
              name: { type: "string" },
              price: { type: "number", example: 28.0 },
              desc: { type: "string" },
              smallImg: { type: "string" },
              largeImg: { type: "string" },
              typeDesc: { type: "string" },
              isHot: { type: "integer", enum: [0, 1] },
              enname: { type: "string" },
              createdAt: dateTime,
              updatedAt: dateTime,
            },
          },
        },
        code: { type: "integer", example: 500 },
      },
    },
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
      type: "object",
      properties: {
        msg: { type: "string" },
        code: { type: "integer", example: 600 },
        result: {
          type: "array",
          items: {
            type: "object",
            properties: {
              pid: { type: "string" },
              type: { type: "string" },
              enname: { type: "string" },
              desc: { type: "string" },
              name: { type: "string" },
              price: { type: "string", example: "28.00" },
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
            },
          },
        },
      },
    },
    404: detail("Unknown pid", "商品不存在"),
  },
};

export const promotionsSchema = {
  tags: ["promotions"],
  summary: "Home-screen banners, by sort order",
  response: {
    200: {
      description: "Active promotions",
      type: "object",
      properties: {
        data: {
          type: "array",
          items: { type: "object", properties: { imgUrl: { type: "string" }, desc: { type: "string" } } },
        },
      },
    },
  },
};
