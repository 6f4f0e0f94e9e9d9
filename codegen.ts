import type { CodegenConfig } from "@graphql-codegen/cli";

// Typed documents for the API tests (and any TypeScript client) from schema/operations/*.graphql.
// `npm run codegen` writes them; a test fails when the committed output is stale.
const config: CodegenConfig = {
  schema: "schema/schema.graphql",
  documents: "schema/operations/*.graphql",
  generates: {
    "tests/generated/graphql.ts": {
      plugins: ["typescript-operations", "typed-document-node"],
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        avoidOptionals: { field: true, inputValue: false },
        scalars: { Decimal: "string", DateTime: "string", URL: "string" },
      },
    },
  },
};

export default config;
