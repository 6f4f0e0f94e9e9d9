/**
 * The hot path (src/http/hot-path.ts) answers repeats of cached public answers before Fastify. Through real
 * sockets (inject bypasses it): a repeat gets the bytes and headers the Fastify path gave, the same per-IP
 * limit, access-log line, metrics and product view; a change to the data reaches it as it reaches the Fastify
 * path; and everything it does not answer (other bodies, bad ones, large or chunked ones) reaches Fastify
 * intact.
 */
import { randomBytes } from "node:crypto";
import http from "node:http";
import net from "node:net";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { metrics } from "../../src/observability/metrics.js";
import { createScratchApp, createTestApp, type TestApp, userToken } from "../helpers/app.js";

const MENU = JSON.stringify({ query: "{ categories { type name products { pid name price } } }" });
const ORIGIN = "https://shop.example";

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function send(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, method, path, headers, agent: false }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (text += chunk));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

const postMenu = (port: number, headers: Record<string, string> = {}) =>
  send(port, "POST", "/graphql", { "content-type": "application/json", ...headers }, MENU);

const hotAnswers = async () => (await metrics.hotPathAnswers.get()).values[0]?.value ?? 0;

/** http_requests_total of one method, route and status. */
async function counted(labels: { method: string; route: string; status: string }): Promise<number> {
  const { values } = await metrics.httpRequests.get();
  const found = values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k as "route"] === l));
  return found?.value ?? 0;
}

/** Headers that differ between any two answers. */
const stable = ({ headers }: Answer) => {
  const { "x-request-id": _id, date: _date, ...rest } = headers;
  return rest;
};

/**
 * Sends `request` until the hot path answers it: the first answer is computed, then Fastify answers from the
 * response cache (until this process knows the entry is fresh without asking Redis), then the hot path. Resolves
 * to the first answer, the last one Fastify gave (the first, when only one did), and the hot path's.
 */
async function warm(request: () => Promise<Answer>): Promise<[Answer, Answer, Answer]> {
  const first = await request();
  let fastify = first;
  for (let attempt = 0; attempt < 20; attempt++) {
    const before = await hotAnswers();
    const answer = await request();
    if ((await hotAnswers()) === before + 1) return [first, fastify, answer];
    fastify = answer;
  }
  throw new Error("the hot path never answered");
}

describe("the hot path", () => {
  let t: TestApp;
  let port: number;
  const lines: Record<string, unknown>[] = [];

  beforeAll(async () => {
    const logger = pino({ level: "info" }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    t = await createScratchApp(
      "hot_path",
      {
        REDIS_KEY_PREFIX: `${inject("redisPrefix")}hot-${randomBytes(3).toString("hex")}:`,
        CORS_ORIGINS: ORIGIN,
      },
      {},
      logger,
    );
    await t.app.listen({ host: "127.0.0.1", port: 0 });
    port = (t.app.server.address() as net.AddressInfo).port;
  });
  afterAll(() => t?.close());

  it("repeats the answer Fastify gave: the same bytes and headers, a request id of its own", async () => {
    const [cold, hit, hot] = await warm(() => postMenu(port));
    expect(cold.headers["x-cache"]).toBe("MISS");
    expect(hit.headers["x-cache"]).toBe("HIT");
    expect(hot.body).toBe(cold.body);
    expect(stable(hot)).toEqual(stable(hit));
    expect(hot.headers["x-request-id"]).not.toBe(hit.headers["x-request-id"]);
    expect(JSON.parse(hot.body).data.categories.length).toBeGreaterThan(0);
  });

  it("logs the line and counts the request as the Fastify path does", async () => {
    await warm(() => postMenu(port));
    const requests = await counted({ method: "POST", route: "/graphql", status: "200" });
    const hot = await postMenu(port, { "x-request-id": "hot-path-test-1" });
    expect(hot.headers["x-request-id"]).toBe("hot-path-test-1");
    expect(await counted({ method: "POST", route: "/graphql", status: "200" })).toBe(requests + 1);
    const line = lines.find((l) => l.requestId === "hot-path-test-1");
    expect(line).toMatchObject({ msg: "request", method: "POST", route: "/graphql", status: 200 });
    expect(typeof line!.ms).toBe("number");
    // The same fields as a line of the Fastify path.
    const fastifyLine = lines.find((l) => l.msg === "request" && l.requestId !== "hot-path-test-1");
    expect(Object.keys(line!).sort()).toEqual(Object.keys(fastifyLine!).sort());
  });

  it("keeps requests apart by the headers an answer depends on (media type, CORS origin)", async () => {
    const graphqlJson = "application/graphql-response+json";
    const [, , negotiated] = await warm(() => postMenu(port, { accept: graphqlJson }));
    expect(negotiated.headers["content-type"]).toContain(graphqlJson);
    const [, , plain] = await warm(() => postMenu(port));
    expect(plain.headers["content-type"]).toContain("application/json");

    const [, allowedHit, allowed] = await warm(() => postMenu(port, { origin: ORIGIN }));
    expect(allowed.headers["access-control-allow-origin"]).toBe(ORIGIN);
    expect(stable(allowed)).toEqual(stable(allowedHit));
    const [, , other] = await warm(() => postMenu(port, { origin: "https://elsewhere.example" }));
    expect(other.headers["access-control-allow-origin"]).toBeUndefined();
  });

  it("repeats a GET only for requests that pass Apollo's CSRF check as the remembered one did", async () => {
    const path = `/graphql?query=${encodeURIComponent("{ categories { type } }")}`;
    const [first, , hot] = await warm(() => send(port, "GET", path, { "apollo-require-preflight": "true" }));
    expect(hot.body).toBe(first.body);
    const before = await hotAnswers();
    const refused = await send(port, "GET", path);
    expect(refused.status).toBe(400);
    expect(await hotAnswers()).toBe(before);
  });

  it("shares a public answer with signed-in callers, and never repeats a per-user one", async () => {
    const token = await userToken(t);
    const [, , signedIn] = await warm(() => postMenu(port, { authorization: `Bearer ${token}` }));
    expect(signedIn.headers["x-cache"]).toBe("HIT");
    const me = () =>
      send(
        port,
        "POST",
        "/graphql",
        { "content-type": "application/json", authorization: `Bearer ${token}` },
        JSON.stringify({ query: "{ me { id username } }" }),
      );
    const before = await hotAnswers();
    for (let i = 0; i < 4; i++) expect(JSON.parse((await me()).body).data.me.username).toMatch(/^customer_/);
    expect(await hotAnswers()).toBe(before);
  });

  it("answers legacy catalogue reads and counts each product view", async () => {
    const views = async () => (await metrics.productViews.get()).values.reduce((sum, v) => sum + v.value, 0);
    const before = await views();
    const [cold, , hot] = await warm(() => send(port, "GET", "/products/productDetail/latte001"));
    expect(hot.body).toBe(cold.body);
    expect(hot.headers["content-type"]).toBe("application/json");
    expect(await views()).toBe(before + 3);
    const [list] = await warm(() => send(port, "GET", "/products/typeProducts/latte"));
    expect(JSON.parse(list.body).result.length).toBeGreaterThan(0);
  });

  it("answers the new data once it changes, as the Fastify path does", async () => {
    await warm(() => postMenu(port));
    const name = `Hot ${randomBytes(3).toString("hex")}`;
    await t.app.services.catalogAdmin.updateProduct("latte001", { name });
    const deadline = Date.now() + 1000;
    let answer = await postMenu(port);
    while (!answer.body.includes(name) && Date.now() < deadline) answer = await postMenu(port);
    expect(answer.body).toContain(name);
    const [, , hot] = await warm(() => postMenu(port));
    expect(hot.body).toContain(name);
  });

  it("hands every other request to Fastify with its body intact", async () => {
    await warm(() => postMenu(port));
    const before = await hotAnswers();
    const other = await send(
      port,
      "POST",
      "/graphql",
      { "content-type": "application/json" },
      JSON.stringify({ query: "{ categories { type } }" }),
    );
    expect(JSON.parse(other.body).data.categories.length).toBeGreaterThan(0);
    const broken = await send(port, "POST", "/graphql", { "content-type": "application/json" }, "{nope");
    expect(broken.status).toBe(400);
    expect(JSON.parse(broken.body).errors[0].extensions.code).toBe("BAD_REQUEST");
    // No length given (chunked): never read here, answered by Fastify from the response cache.
    const chunked = await send(
      port,
      "POST",
      "/graphql",
      { "content-type": "application/json", "transfer-encoding": "chunked" },
      MENU,
    );
    expect(chunked.headers["x-cache"]).toBe("HIT");
    // Larger than the hot path reads: Fastify's limit on document size answers.
    const large = await send(
      port,
      "POST",
      "/graphql",
      { "content-type": "application/json" },
      JSON.stringify({ query: `{ categories { type } }${" ".repeat(40_000)}` }),
    );
    expect(large.status).toBe(413);
    expect(await hotAnswers()).toBe(before);
  });

  it("answers a body that comes in parts as one that came whole", async () => {
    const [whole] = await warm(() => postMenu(port));
    const before = await hotAnswers();
    const socket = net.connect(port, "127.0.0.1");
    await new Promise((r) => socket.once("connect", r));
    let text = "";
    socket.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
    const length = Buffer.byteLength(MENU);
    socket.write(
      `POST /graphql HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${length}\r\n` +
        `connection: close\r\n\r\n${MENU.slice(0, 20)}`,
    );
    await new Promise((r) => setTimeout(r, 50));
    socket.write(MENU.slice(20));
    await new Promise((r) => socket.once("close", r));
    expect(text.startsWith("HTTP/1.1 200")).toBe(true);
    expect(text.endsWith(whole.body)).toBe(true);
    expect(await hotAnswers()).toBe(before + 1);
  });

  it("counts a client that leaves in the middle of its body as Fastify would (499)", async () => {
    await warm(() => postMenu(port));
    const aborted = () => counted({ method: "POST", route: "/graphql", status: "499" });
    const before = await aborted();
    const socket = net.connect(port, "127.0.0.1");
    await new Promise((r) => socket.once("connect", r));
    socket.write(
      "POST /graphql HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 500\r\n\r\n{",
    );
    await new Promise((r) => setTimeout(r, 50));
    socket.destroy();
    const deadline = Date.now() + 2000;
    while ((await aborted()) === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(await aborted()).toBe(before + 1);
  });
});

describe("the hot path and the per-IP limit", () => {
  const LIMIT = 5;
  let t: TestApp;
  let port: number;

  beforeAll(async () => {
    t = await createTestApp({
      REDIS_KEY_PREFIX: `${inject("redisPrefix")}hot-limit-${randomBytes(3).toString("hex")}:`,
      RATE_LIMIT_REQUESTS_PER_IP: String(LIMIT),
      TRUST_PROXY: "127.0.0.1",
    });
    await t.app.listen({ host: "127.0.0.1", port: 0 });
    port = (t.app.server.address() as net.AddressInfo).port;
  });
  afterAll(() => t?.close());

  it("counts repeats against the client's address (behind a trusted proxy) and refuses in GraphQL's shape", async () => {
    const from = (ip: string) => postMenu(port, { "x-forwarded-for": ip });
    await warm(() => from("203.0.113.1"));
    const before = await hotAnswers();
    for (let i = 0; i < LIMIT; i++) expect((await from("203.0.113.7")).status).toBe(200);
    expect(await hotAnswers()).toBe(before + LIMIT);
    const refused = await from("203.0.113.7");
    expect(refused.status).toBe(429);
    expect(Number(refused.headers["retry-after"])).toBeGreaterThan(0);
    expect(JSON.parse(refused.body).errors[0].extensions.code).toBe("RATE_LIMITED");
    expect((await from("203.0.113.8")).status).toBe(200);
    expect(await hotAnswers()).toBe(before + LIMIT + 1);
  });
});
