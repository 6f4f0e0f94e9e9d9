import js from "@eslint/js";
import graphqlPlugin from "@graphql-eslint/eslint-plugin";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "src/generated/", "tests/generated/", "coverage/", "node_modules/", ".cluster/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  // The committed schema as front-end developers meet it (Apollo Sandbox, Altair): every element described,
  // names in the usual GraphQL conventions.
  {
    files: ["schema/schema.graphql"],
    languageOptions: {
      parser: graphqlPlugin.parser,
      parserOptions: { graphQLConfig: { schema: "schema/schema.graphql" } },
    },
    plugins: { "@graphql-eslint": graphqlPlugin },
    rules: {
      "@graphql-eslint/require-description": [
        "error",
        {
          types: true,
          rootField: true,
          FieldDefinition: true,
          InputValueDefinition: true,
          EnumValueDefinition: true,
          ScalarTypeDefinition: true,
        },
      ],
      "@graphql-eslint/naming-convention": [
        "error",
        {
          types: "PascalCase",
          FieldDefinition: "camelCase",
          InputValueDefinition: "camelCase",
          EnumValueDefinition: "UPPER_CASE",
          allowLeadingUnderscore: false,
        },
      ],
      "@graphql-eslint/input-name": ["error", { checkInputType: true, checkMutations: false }],
    },
  },
  {
    languageOptions: { globals: globals.node },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      // The pool accepts multiple statements per query (src/db/database.ts): SQL is never built from input.
      "no-restricted-properties": [
        "error",
        { property: "$queryRawUnsafe", message: "Bind values: use $queryRaw`...` (multi-statement pool)." },
        {
          property: "$executeRawUnsafe",
          message: "Bind values: use $executeRaw`...` (multi-statement pool).",
        },
      ],
    },
  },
);
