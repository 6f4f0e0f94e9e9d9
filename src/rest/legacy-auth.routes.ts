import fastifyFormbody from "@fastify/formbody";
import fastifyMultipart from "@fastify/multipart";
import type { FastifyPluginAsync } from "fastify";
import { registrationProblems } from "../accounts/account.rules.js";
import { ConflictError, InvalidInputError, RateLimitedError, UnauthenticatedError } from "../errors.js";
import {
  BEARER_CHALLENGE,
  LegacyHttpError,
  sendLegacy,
  validationFailed,
  type ValidationIssue,
} from "./legacy-errors.js";
import { formField, modelBody, optionalIntField, stringField } from "./legacy-validation.js";
import { loginSchema, registerSchema } from "./legacy.schemas.js";

const REGISTER_FIELDS = ["username", "password", "nickName", "phoneNum"];

function inFieldOrder(issues: ValidationIssue[], fields: string[]): ValidationIssue[] {
  const rank = (issue: ValidationIssue) => fields.indexOf(String(issue.loc[1]));
  return [...issues].sort((a, b) => rank(a) - rank(b));
}

// Service field names -> the legacy body's.
const LEGACY_FIELD: Record<string, string> = { phone: "phoneNum" };

function ruleViolation(err: InvalidInputError, body: Record<string, unknown>): ValidationIssue {
  const field = LEGACY_FIELD[err.field] ?? err.field;
  return {
    type: "value_error",
    loc: ["body", field],
    msg: `Value error, ${err.message}`,
    input: body[field] ?? null,
    ctx: { error: err.message },
  };
}

export const legacyAuthRoutes: FastifyPluginAsync = async (app) => {
  const { accounts } = app.services;

  app.post("/auth/register", { schema: registerSchema }, async (req, reply) => {
    const { issues, body } = modelBody(req.body);
    if (!body) throw validationFailed(issues);
    const username = stringField(body, "username", issues);
    const password = stringField(body, "password", issues);
    const nickName = stringField(body, "nickName", issues, "");
    const phoneNum = optionalIntField(body, "phoneNum", issues);
    // pydantic reports every field at once: the account rules of the fields whose type was right too.
    const problems = registrationProblems({
      username,
      password,
      nickName,
      phone: phoneNum == null ? null : String(phoneNum),
    });
    issues.push(...problems.map((err) => ruleViolation(err, body)));
    if (issues.length > 0) throw validationFailed(inFieldOrder(issues, REGISTER_FIELDS));
    try {
      await accounts.register(
        {
          username: username!,
          password: password!,
          nickName,
          phone: phoneNum == null ? null : String(phoneNum),
        },
        req.ip,
      );
    } catch (err) {
      if (err instanceof InvalidInputError) throw validationFailed([ruleViolation(err, body)]);
      if (err instanceof ConflictError) throw new LegacyHttpError(400, "用户名已存在");
      if (err instanceof RateLimitedError) throw err;
      req.log.error({ err }, "registration failed");
      throw new LegacyHttpError(500, "注册失败，请稍后重试");
    }
    return sendLegacy(reply, 200, { msg: "注册成功", code: 200 });
  });

  // Login is an OAuth2 password form; register reads JSON only (other bodies are bytes to FastAPI).
  await app.register(async (form) => {
    await form.register(fastifyFormbody);
    await form.register(fastifyMultipart, {
      attachFieldsToBody: "keyValues",
      limits: {
        fileSize: 64 * 1024,
        files: 0,
        fields: 20,
        parts: 20,
        fieldNameSize: 100,
        fieldSize: 16 * 1024,
      },
    });
    // Busboy reads the raw request, past Fastify's body limit: hold multipart bodies to that limit by their
    // declared length (nginx always declares it; a chunked multipart body from a direct client is refused).
    const bodyLimit = app.deps.config.http.bodyLimitBytes;
    form.addHook("preParsing", async (req) => {
      if (!req.headers["content-type"]?.toLowerCase().startsWith("multipart/")) return;
      const length = req.headers["content-length"];
      if (length === undefined) throw new LegacyHttpError(411, "Length Required");
      if (Number(length) > bodyLimit) throw new LegacyHttpError(413, "Request body is too large");
    });
    form.post("/auth/login", { schema: loginSchema }, async (req, reply) => {
      const { issues, body } = modelBody(req.body);
      if (!body) throw validationFailed(issues);
      // OAuth2PasswordRequestForm's fields, in its order (FastAPI lists the errors in that order).
      const grantType = formField(body, "grant_type", issues, false);
      if (grantType !== undefined && !grantType.includes("password")) {
        issues.push({
          type: "string_pattern_mismatch",
          loc: ["body", "grant_type"],
          msg: "String should match pattern 'password'",
          input: grantType,
          ctx: { pattern: "password" },
        });
      }
      const username = formField(body, "username", issues, true);
      const password = formField(body, "password", issues, true);
      for (const optional of ["scope", "client_id", "client_secret"])
        formField(body, optional, issues, false);
      if (issues.length > 0) throw validationFailed(issues);
      try {
        const session = await accounts.login(username!, password!, req.ip);
        return sendLegacy(reply, 200, { access_token: session.token, token_type: "bearer" });
      } catch (err) {
        if (err instanceof UnauthenticatedError)
          throw new LegacyHttpError(401, "用户名或密码错误", BEARER_CHALLENGE);
        throw err;
      }
    });
  });
};
