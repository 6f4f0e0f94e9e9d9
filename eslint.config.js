import js from "@eslint/js";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "src/generated/", "tests/generated/", "coverage/", "node_modules/", ".cluster/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
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
