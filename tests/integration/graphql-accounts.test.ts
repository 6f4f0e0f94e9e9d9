import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TokenService } from "../../src/auth/tokens.js";
import {
  ChangePasswordDocument,
  LoginDocument,
  MeDocument,
  RegisterDocument,
  UpdateMeDocument,
} from "../generated/graphql.js";
import { createTestApp, type TestApp } from "../helpers/app.js";
import { codes, gql } from "../helpers/graphql.js";

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

let counter = 0;
/** A username unique to this run and test. */
const uniqueName = (label: string) => `${label}_${process.pid}_${++counter}`.slice(0, 32);

async function registered(password = "coffee123") {
  const username = uniqueName("u");
  const { data, errors } = await gql(t.app, RegisterDocument, { input: { username, password } });
  expect(errors).toBeUndefined();
  return { username, password, token: data!.register.token, user: data!.register.user };
}

describe("GraphQL accounts", () => {
  it("registers, logs in with any letter case and answers me", async () => {
    const username = uniqueName("Alice");
    const reg = await gql(t.app, RegisterDocument, {
      input: { username, password: "latte4ever", nickName: "爱丽丝", phone: "13800138000" },
    });
    expect(reg.errors).toBeUndefined();
    const { token, expiresAt, user } = reg.data!.register;
    expect(user).toMatchObject({ username, nickName: "爱丽丝", phone: "13800138000", vip: 0, bio: "" });
    expect(user.avatarUrl).toBe(t.config.defaultAvatarUrl);
    const lifetime = new Date(expiresAt).getTime() - Date.now();
    expect(Math.round(lifetime / 60_000)).toBe(t.config.auth.accessTokenExpireMinutes);

    const me = await gql(t.app, MeDocument, {}, token);
    expect(me.data!.me).toMatchObject({ id: user.id, username });

    const login = await gql(t.app, LoginDocument, {
      input: { username: username.toUpperCase(), password: "latte4ever" },
    });
    expect(login.data!.login.user.id).toBe(user.id);
    expect((await gql(t.app, MeDocument, {}, login.data!.login.token)).data!.me!.id).toBe(user.id);
  });

  it("answers me with null when anonymous", async () => {
    const result = await gql(t.app, MeDocument);
    expect(result.errors).toBeUndefined();
    expect(result.data!.me).toBeNull();
  });

  it("gives CONFLICT for a taken username in another letter case", async () => {
    const { username } = await registered();
    const again = await gql(t.app, RegisterDocument, {
      input: { username: username.toUpperCase(), password: "other123" },
    });
    expect(codes(again)).toEqual(["CONFLICT"]);
    expect(again.errors![0].message).toBe("username is already taken");
  });

  it("lets exactly one of ten concurrent registrations of one name succeed", async () => {
    const username = uniqueName("race");
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        gql(t.app, RegisterDocument, {
          input: { username: i % 2 ? username : username.toUpperCase(), password: "race1234" },
        }),
      ),
    );
    expect(results.filter((r) => r.data?.register).length).toBe(1);
    expect(results.flatMap(codes).sort()).toEqual(Array(9).fill("CONFLICT"));
    expect(await t.db.prisma.user.count({ where: { username } })).toBe(1);
  });

  it("names the field that breaks an input rule", async () => {
    const cases: [Record<string, string>, string][] = [
      [{ username: "ab", password: "coffee123" }, "username"],
      [{ username: "аlice_cyrillic", password: "coffee123" }, "username"],
      [{ username: "bob smith", password: "coffee123" }, "username"],
      [{ username: "x".repeat(33), password: "coffee123" }, "username"],
      [{ username: uniqueName("p"), password: "short1" }, "password"],
      [{ username: uniqueName("p"), password: "onlyletters" }, "password"],
      [{ username: uniqueName("p"), password: "12345678" }, "password"],
      [{ username: uniqueName("p"), password: "coffee123", phone: "12ab" }, "phone"],
      [{ username: uniqueName("p"), password: "coffee123", nickName: "n".repeat(65) }, "nickName"],
      [{ username: uniqueName("p"), password: "coffee123", nickName: "bell\u0007" }, "nickName"],
    ];
    for (const [input, field] of cases) {
      const result = await gql(t.app, RegisterDocument, { input: input as never });
      expect(codes(result), JSON.stringify(input)).toEqual(["BAD_USER_INPUT"]);
      expect(result.errors![0].extensions.field).toBe(field);
    }
  });

  it("answers an unknown user and a wrong password with the same error", async () => {
    const { username } = await registered();
    const wrong = await gql(t.app, LoginDocument, { input: { username, password: "not-it-123" } });
    const unknown = await gql(t.app, LoginDocument, {
      input: { username: uniqueName("ghost"), password: "not-it-123" },
    });
    const garbage = await gql(t.app, LoginDocument, { input: { username: "' OR 1=1 --", password: "x" } });
    for (const result of [wrong, unknown, garbage]) {
      expect(result.errors).toEqual([
        expect.objectContaining({
          message: "wrong username or password",
          extensions: { code: "UNAUTHENTICATED" },
        }),
      ]);
    }
  });

  it("refuses tampered, expired, alg:none, foreign and orphaned tokens with UNAUTHENTICATED", async () => {
    const { token, user } = await registered();
    const [header, payload, signature] = token.split(".");
    const otherPayload = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload, "base64url").toString()), sub: "1" }),
    ).toString("base64url");
    const none = (claims: object) =>
      `${Buffer.from('{"alg":"none","typ":"JWT"}').toString("base64url")}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.`;
    const key = new TextEncoder().encode(t.config.auth.secretKey);
    const expired = await new TokenService(t.config.auth).issue(
      user.databaseId,
      0,
      new Date(Date.now() - 31 * 24 * 3600_000),
    );
    const foreignAudience = await new TokenService({ ...t.config.auth, audience: "someone-else" }).issue(
      user.databaseId,
      0,
    );
    const otherSecret = await new TokenService({ ...t.config.auth, secretKey: "x".repeat(40) }).issue(
      user.databaseId,
      0,
    );
    const hs512 = await new SignJWT({ ver: 0 })
      .setProtectedHeader({ alg: "HS512" })
      .setIssuer(t.config.auth.issuer)
      .setAudience(t.config.auth.audience)
      .setSubject(String(user.id))
      .setJti("j")
      .setIssuedAt()
      .setExpirationTime("1h")
      .sign(key);
    const orphan = await new TokenService(t.config.auth).issue(2_000_000_000, 0);

    const bad = {
      tampered: `${header}.${otherPayload}.${signature}`,
      badSignature: `${header}.${payload}.${signature.slice(0, -2)}xx`,
      expired: expired.token,
      algNone: none({
        sub: String(user.id),
        ver: 0,
        iss: t.config.auth.issuer,
        aud: t.config.auth.audience,
        exp: 9e9,
      }),
      foreignAudience: foreignAudience.token,
      otherSecret: otherSecret.token,
      hs512,
      orphan: orphan.token,
      garbage: "not.a.jwt",
    };
    for (const [name, value] of Object.entries(bad)) {
      const result = await gql(t.app, MeDocument, {}, value);
      expect(codes(result), name).toEqual(["UNAUTHENTICATED"]);
      expect(result.data?.me ?? null, name).toBeNull();
    }
  });

  it("updates the profile of the signed-in user only", async () => {
    const { token } = await registered();
    const updated = await gql(
      t.app,
      UpdateMeDocument,
      {
        input: {
          nickName: "拿铁控",
          bio: "每天一杯",
          phone: "+8613900001111",
          avatarUrl: "https://cdn.example.com/a.png",
        },
      },
      token,
    );
    expect(updated.errors).toBeUndefined();
    expect(updated.data!.updateMe).toMatchObject({
      nickName: "拿铁控",
      bio: "每天一杯",
      phone: "+8613900001111",
      avatarUrl: "https://cdn.example.com/a.png",
    });
    const cleared = await gql(t.app, UpdateMeDocument, { input: { phone: null, avatarUrl: null } }, token);
    expect(cleared.data!.updateMe).toMatchObject({
      phone: null,
      avatarUrl: t.config.defaultAvatarUrl,
      nickName: "拿铁控",
    });

    const badUrl = await gql(t.app, UpdateMeDocument, { input: { avatarUrl: "javascript:alert(1)" } }, token);
    expect(badUrl.errors![0].extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "avatarUrl" });
    expect(codes(await gql(t.app, UpdateMeDocument, { input: { bio: "hi" } }))).toEqual(["UNAUTHENTICATED"]);
  });

  it("changes the password and revokes every earlier token", async () => {
    const { username, password, token } = await registered();
    const second = (await gql(t.app, LoginDocument, { input: { username, password } })).data!.login.token;

    const wrong = await gql(
      t.app,
      ChangePasswordDocument,
      { input: { currentPassword: "nope1234", newPassword: "newpass123" } },
      token,
    );
    expect(wrong.errors![0].extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "currentPassword" });
    const weak = await gql(
      t.app,
      ChangePasswordDocument,
      { input: { currentPassword: password, newPassword: "weak" } },
      token,
    );
    expect(weak.errors![0].extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "newPassword" });

    const changed = await gql(
      t.app,
      ChangePasswordDocument,
      { input: { currentPassword: password, newPassword: "newpass123" } },
      token,
    );
    expect(changed.errors).toBeUndefined();
    for (const old of [token, second])
      expect(codes(await gql(t.app, MeDocument, {}, old))).toEqual(["UNAUTHENTICATED"]);
    expect((await gql(t.app, MeDocument, {}, changed.data!.changePassword.token)).data!.me!.username).toBe(
      username,
    );
    expect(codes(await gql(t.app, LoginDocument, { input: { username, password } }))).toEqual([
      "UNAUTHENTICATED",
    ]);
    expect(
      (await gql(t.app, LoginDocument, { input: { username, password: "newpass123" } })).errors,
    ).toBeUndefined();
  });

  it("stores argon2id hashes with the configured parameters", async () => {
    const { user } = await registered();
    const row = await t.db.prisma.user.findUniqueOrThrow({ where: { id: user.databaseId } });
    expect(row.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  });
});
