import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import type { FastifyInstance } from "fastify";
import { print } from "graphql";

export interface GraphQLErrorBody {
  message: string;
  path?: string[];
  extensions: { code: string; field?: string; stacktrace?: string[] };
}

export interface GraphQLResult<R> {
  status: number;
  data: R | null | undefined;
  errors: GraphQLErrorBody[] | undefined;
}

/** Runs a typed operation through the real HTTP stack (app.inject POST /graphql). */
export async function gql<R, V>(
  app: FastifyInstance,
  document: TypedDocumentNode<R, V>,
  variables?: V,
  token?: string,
): Promise<GraphQLResult<R>> {
  return rawGql<R>(app, { query: print(document), variables }, token);
}

export async function rawGql<R = Record<string, unknown>>(
  app: FastifyInstance,
  body: unknown,
  token?: string,
): Promise<GraphQLResult<R>> {
  const response = await app.inject({
    method: "POST",
    url: "/graphql",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    payload: JSON.stringify(body),
  });
  const json = response.json();
  return { status: response.statusCode, data: json.data, errors: json.errors };
}

/** The codes of a result's errors, for compact assertions. */
export const codes = (result: GraphQLResult<unknown>) => result.errors?.map((e) => e.extensions.code) ?? [];
