import { readFile } from "node:fs/promises";
import { generate } from "@graphql-codegen/cli";
import { getMetadataStorage } from "type-graphql";
import { describe, expect, it } from "vitest";
import codegenConfig from "../../codegen.js";
import { buildGraphQLSchema, printGraphQLSchema } from "../../src/graphql/schema.js";

const read = (path: string) => readFile(new URL(`../../${path}`, import.meta.url), "utf8");

describe("committed GraphQL artefacts", () => {
  it("schema/schema.graphql matches the schema built from the code (run `npm run schema:emit`)", async () => {
    expect(await printGraphQLSchema()).toBe(await read("schema/schema.graphql"));
  });

  it("tests/generated/graphql.ts matches codegen over schema/operations (run `npm run codegen`)", async () => {
    const outputs = await generate(
      { ...codegenConfig, cwd: new URL("../..", import.meta.url).pathname, silent: true },
      false,
    );
    expect(outputs).toHaveLength(1);
    expect(outputs[0].content).toBe(await read("tests/generated/graphql.ts"));
  });
});

describe("simple resolvers", () => {
  it("are only on types whose plain fields carry no @Authorized and no middleware (they would be skipped)", async () => {
    await buildGraphQLSchema();
    const simple = getMetadataStorage().objectTypes.filter((t) => t.simpleResolvers);
    expect(simple.map((t) => t.name).sort()).toEqual([
      "Category",
      "OptionChoice",
      "Product",
      "ProductOption",
    ]);
    const guarded = simple
      .flatMap((t) => t.fields ?? [])
      .filter((f) => f.roles !== undefined || (f.middlewares?.length ?? 0) > 0 || f.schemaName !== f.name)
      .map((f) => `${f.target.name}.${f.name}`);
    expect(guarded).toEqual([]);
  });
});
