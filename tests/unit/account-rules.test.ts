import { describe, expect, it } from "vitest";
import {
  checkHttpUrl,
  checkPassword,
  checkPhone,
  checkUsername,
  registrationProblems,
} from "../../src/accounts/account.rules.js";
import { InvalidInputError } from "../../src/errors.js";
import { checkText } from "../../src/shared/text.rules.js";

/** The field an input rule names when it refuses `run`, or undefined when it accepts. */
function refusedField(run: () => unknown): string | undefined {
  try {
    run();
    return undefined;
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidInputError);
    return (err as InvalidInputError).field;
  }
}

describe("account input rules", () => {
  it("usernames: 3-32 letters, digits and underscores", () => {
    expect(checkUsername("bob_42")).toBe("bob_42");
    expect(refusedField(() => checkUsername("ab"))).toBe("username");
    expect(refusedField(() => checkUsername("a".repeat(33)))).toBe("username");
    expect(refusedField(() => checkUsername("bob smith", "input.username"))).toBe("input.username");
  });

  it("passwords: 8-128 characters with a letter and a digit (any script)", () => {
    expect(checkPassword("coffee123")).toBe("coffee123");
    expect(checkPassword("咖啡咖啡咖啡12")).toBe("咖啡咖啡咖啡12");
    expect(refusedField(() => checkPassword("short1"))).toBe("password");
    expect(refusedField(() => checkPassword("onlyletters"))).toBe("password");
    expect(refusedField(() => checkPassword("12345678"))).toBe("password");
    expect(refusedField(() => checkPassword(`a1${"x".repeat(127)}`))).toBe("password");
  });

  it("text: counted in characters, no control characters", () => {
    expect(checkText("😀".repeat(3), "nickName", 3)).toBe("😀😀😀");
    expect(refusedField(() => checkText("abcd", "nickName", 3))).toBe("nickName");
    expect(refusedField(() => checkText("a\u0000b", "bio", 10))).toBe("bio");
    expect(checkText("a\tb\nc", "bio", 10)).toBe("a\tb\nc");
  });

  it("phones: 5-20 digits, optionally after +, at most 20 characters in all", () => {
    expect(checkPhone("+8613800000000")).toBe("+8613800000000");
    expect(refusedField(() => checkPhone("1234"))).toBe("phone");
    expect(refusedField(() => checkPhone(`+${"1".repeat(20)}`))).toBe("phone");
    expect(refusedField(() => checkPhone("138-0000"))).toBe("phone");
  });

  it("URLs: http(s) only, at most 512 characters", () => {
    expect(checkHttpUrl("https://example.com/a.png", "avatarUrl")).toBe("https://example.com/a.png");
    expect(refusedField(() => checkHttpUrl("javascript:alert(1)", "avatarUrl"))).toBe("avatarUrl");
    expect(refusedField(() => checkHttpUrl("not a url", "avatarUrl"))).toBe("avatarUrl");
    expect(refusedField(() => checkHttpUrl(`https://e.com/${"a".repeat(512)}`, "avatarUrl"))).toBe(
      "avatarUrl",
    );
  });

  it("registration reports every broken rule in field order and skips absent fields", () => {
    expect(
      registrationProblems({ username: "x", password: "short", nickName: "ok", phone: "12" }).map(
        (p) => p.field,
      ),
    ).toEqual(["username", "password", "phone"]);
    expect(registrationProblems({ phone: "", nickName: null })).toEqual([]);
  });
});
