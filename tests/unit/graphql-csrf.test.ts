import { describe, expect, it } from "vitest";
import { apolloCsrfCheck } from "../../src/graphql/graphql-request.js";

describe("Apollo's CSRF check, as the response cache applies it before answering a hit", () => {
  it("lets through what Apollo accepts and refuses what a browser could send cross-site", () => {
    const passes = apolloCsrfCheck();
    expect(passes({ "content-type": "application/json" })).toBe(true);
    expect(passes({ "content-type": "application/json; charset=utf-8" })).toBe(true);
    expect(passes({})).toBe(false);
    expect(passes({ "content-type": "text/plain" })).toBe(false);
    expect(passes({ "content-type": "Text/Plain; charset=utf-8" })).toBe(false);
    expect(passes({ "content-type": "multipart/form-data; boundary=x" })).toBe(false);
    expect(passes({ "apollo-require-preflight": "1" })).toBe(true);
    expect(passes({ "apollo-require-preflight": "" })).toBe(false);
    expect(passes({ "content-type": "text/plain", "x-apollo-operation-name": "Menu" })).toBe(true);
    // Apollo lets through a content type it cannot parse (a browser cannot send one without a preflight).
    expect(passes({ "content-type": "not a type" })).toBe(true);
  });

  it("answers the same for a remembered request as for a new one", () => {
    const remembered = apolloCsrfCheck();
    const requests = [
      { "content-type": "application/json" },
      { "content-type": "application/json" },
      { "content-type": "text/plain" },
      { "content-type": "text/plain" },
      { "content-type": "text/plain", "apollo-require-preflight": "1" },
      { "content-type": "text/plain" },
      {},
      { "x-apollo-operation-name": "A" },
      { "x-apollo-operation-name": "A" },
      {},
    ];
    for (const headers of requests) expect(remembered(headers)).toBe(apolloCsrfCheck()(headers));
  });
});
