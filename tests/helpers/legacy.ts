import type { FastifyInstance, InjectOptions } from "fastify";

export interface RawResponse {
  status: number;
  body: string;
  headers: Record<string, string | string[] | number | undefined>;
}

/** A request through the real HTTP stack, answered as raw text (key order and number formats matter). */
export async function raw(app: FastifyInstance, options: InjectOptions): Promise<RawResponse> {
  const response = await app.inject(options);
  return { status: response.statusCode, body: response.body, headers: response.headers };
}

export const get = (app: FastifyInstance, url: string, token?: string) =>
  raw(app, { method: "GET", url, headers: token ? { authorization: `Bearer ${token}` } : {} });

export const postJson = (app: FastifyInstance, url: string, body: unknown) =>
  raw(app, {
    method: "POST",
    url,
    headers: { "content-type": "application/json" },
    payload: typeof body === "string" ? body : JSON.stringify(body),
  });

export const postForm = (app: FastifyInstance, url: string, fields: Record<string, string>) =>
  raw(app, {
    method: "POST",
    url,
    headers: { "content-type": "application/x-www-form-urlencoded" },
    payload: new URLSearchParams(fields).toString(),
  });
