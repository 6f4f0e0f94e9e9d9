import { defineConfig } from "prisma/config";

// The CLI is used here only for `generate`; migrations are applied by src/db/migrate.ts.
export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "mysql://root@127.0.0.1:3306/coffee_shop" },
});
