import type { FastifyPluginAsync } from "fastify";
import {
  type CategoryRow,
  groupOptions,
  OPTION_LABELS,
  type OptionGroup,
  type ProductRow,
} from "../catalog/catalog.service.js";
import type { OptionKind } from "../generated/prisma/enums.js";
import { ReadTags } from "../catalog/catalog.tags.js";
import { type LegacyAnswer, type LegacyCachePolicy, sendCachedLegacy } from "./legacy-cache.js";
import { LegacyHttpError, sendLegacy } from "./legacy-errors.js";
import { legacyDateTime, PyFloat } from "./legacy-json.js";
import { productDetailSchema, promotionsSchema, typeProductsSchema, typesSchema } from "./legacy.schemas.js";

/** The width of the `pid` and category `type` columns: a longer path parameter names nothing. */
const MAX_KEY_LENGTH = 32;
const tooLong = (param: string) => param.length > MAX_KEY_LENGTH && [...param].length > MAX_KEY_LENGTH;

function optionFields(groups: OptionGroup[], kind: OptionKind): [string, string] {
  const group = groups.find((g) => g.kind === kind);
  return [group ? group.choices.map((c) => c.value).join("/") : "", group?.label ?? OPTION_LABELS[kind]];
}

/** The category list. */
const TYPES: LegacyCachePolicy<void, CategoryRow[]> = { key: () => "types", tags: ReadTags.categoryList };
/** The products of one category, keyed by the type asked for. */
const TYPE_PRODUCTS: LegacyCachePolicy<string, CategoryRow> = {
  key: (type) => `type-products:${type.toLowerCase()}`,
  tags: (category) => ReadTags.categoryListing(category.id),
};
/** One product's detail, keyed by the product the pid named. */
const PRODUCT_DETAIL: LegacyCachePolicy<ProductRow, ProductRow> = {
  key: (product) => `product-detail:${product.id}`,
  tags: (product) => ReadTags.productPage(product.id),
};

/**
 * The legacy product and promotion routes, over the same catalogue service as GraphQL. Promotions are not
 * kept in the response cache: their active window applies at read time.
 */
export const legacyCatalogRoutes: FastifyPluginAsync = async (app) => {
  const { catalog } = app.services;

  app.get("/products/type", { schema: typesSchema }, async (_req, reply) =>
    sendCachedLegacy(app, reply, TYPES, undefined, async () => {
      const categories = [...(await catalog.categories())].sort((a, b) => a.id - b.id);
      const body = {
        result: categories.map((c) => ({
          id: c.id,
          type: c.type,
          typeDesc: c.name,
          createdAt: legacyDateTime(c.createdAt),
          updatedAt: legacyDateTime(c.updatedAt),
        })),
        code: 400,
      };
      return { status: 200, body, source: categories };
    }),
  );

  app.get<{ Params: { type_name: string } }>(
    "/products/typeProducts/:type_name",
    { schema: typeProductsSchema },
    async (req, reply) => {
      // Longer than the column: names no category (and must not become a cache key).
      if (tooLong(req.params.type_name)) return sendLegacy(reply, 200, { result: [], code: 500 });
      return sendCachedLegacy(app, reply, TYPE_PRODUCTS, req.params.type_name, async () => {
        const category = await catalog.categoryByType(req.params.type_name);
        if (!category) return { status: 200, body: { result: [], code: 500 }, source: null };
        const [products] = await catalog.productsByCategoryIds([category.id]);
        const body = {
          result: products.map((p) => ({
            id: p.id,
            pid: p.pid,
            type: category.type,
            name: p.name,
            price: new PyFloat(p.price.toNumber()),
            desc: p.description,
            smallImg: catalog.assetUrl(p.smallImage),
            largeImg: catalog.assetUrl(p.largeImage),
            typeDesc: category.name,
            isHot: p.isHot ? 1 : 0,
            enname: p.enName,
            createdAt: legacyDateTime(p.createdAt),
            updatedAt: legacyDateTime(p.updatedAt),
          })),
          code: 500,
        };
        return { status: 200, body, source: category };
      });
    },
  );

  app.get<{ Params: { pid: string } }>(
    "/products/productDetail/:pid",
    { schema: productDetailSchema },
    async (req, reply) => {
      const page = tooLong(req.params.pid) ? null : await catalog.productPage(req.params.pid);
      if (!page) throw new LegacyHttpError(404, "商品不存在");
      page.countView();
      const build = async (): Promise<LegacyAnswer<ProductRow>> => {
        // Read again after the response cache's lookup: a body built from what was read before it could be
        // stored as current after an invalidation that came in between.
        const product = await catalog.productByPid(req.params.pid);
        if (!product) throw new LegacyHttpError(404, "商品不存在");
        const [[category], [options]] = await Promise.all([
          catalog.categoriesByIds([product.categoryId]),
          catalog.optionsByProductIds([product.id]),
        ]);
        const groups = groupOptions(options);
        const [tem, temDesc] = optionFields(groups, "TEMPERATURE");
        const [milk, milkDesc] = optionFields(groups, "MILK");
        const [sugar, sugarDesc] = optionFields(groups, "SUGAR");
        const [cream, creamDesc] = optionFields(groups, "CREAM");
        const body = {
          msg: "查询商品详情成功",
          code: 600,
          result: [
            {
              pid: product.pid,
              type: category!.type,
              enname: product.enName,
              desc: product.description,
              name: product.name,
              price: product.price.toFixed(2),
              small_img: catalog.assetUrl(product.smallImage),
              large_img: catalog.assetUrl(product.largeImage),
              is_hot: product.isHot ? 1 : 0,
              type_desc: category!.name,
              tem,
              tem_desc: temDesc,
              milk,
              milk_desc: milkDesc,
              sugar,
              sugar_desc: sugarDesc,
              cream,
              cream_desc: creamDesc,
            },
          ],
        };
        return { status: 200, body, source: product };
      };
      // A repeat answered by the hot path counts its view too.
      return sendCachedLegacy(app, reply, PRODUCT_DETAIL, page.product, build, page.countView);
    },
  );

  app.get("/promotions/searchguess", { schema: promotionsSchema }, async (_req, reply) => {
    const promotions = await catalog.promotions();
    return sendLegacy(reply, 200, {
      data: promotions.map((p) => ({ imgUrl: catalog.assetUrl(p.imageUrl), desc: p.description })),
    });
  });
};
