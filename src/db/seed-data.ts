/** The catalogue the legacy service shipped, as seed data. */
import { OPTION_LABELS } from "../catalog/catalog.service.js";
import type { OptionKind } from "../generated/prisma/enums.js";

export interface SeedCategory {
  type: string;
  name: string;
  sortOrder: number;
}

export interface SeedOption {
  kind: OptionKind;
  label: string;
  /** Choices in display order; the first is the default. */
  choices: { value: string; priceDelta?: string }[];
}

export interface SeedProduct {
  pid: string;
  type: string;
  name: string;
  enName: string;
  price: string;
  isHot: boolean;
  description: string;
  options: SeedOption[];
}

export interface SeedPromotion {
  imageUrl: string;
  description: string;
  sortOrder: number;
}

export const seedCategories: SeedCategory[] = [
  { type: "latte", name: "拿铁", sortOrder: 1 },
  { type: "rena_ice", name: "瑞纳冰", sortOrder: 2 },
  { type: "coffee", name: "咖啡", sortOrder: 3 },
  { type: "fruit_tea", name: "水果茶", sortOrder: 4 },
];

function option(kind: OptionKind, choices: string, deltas: Record<string, string> = {}): SeedOption {
  return {
    kind,
    label: OPTION_LABELS[kind],
    choices: choices.split("/").map((value) => ({ value, priceDelta: deltas[value] })),
  };
}

const tem = (choices: string) => option("TEMPERATURE", choices);
const sugar = (choices: string) => option("SUGAR", choices);
const cream = option("CREAM", "默认奶油/无奶油");
const milk = option("MILK", "无奶/单份奶/双份奶", { 单份奶: "2.00", 双份奶: "4.00" });

function product(
  pid: string,
  type: string,
  name: string,
  enName: string,
  price: string,
  hot: 0 | 1,
  description: string,
  options: SeedOption[],
): SeedProduct {
  return { pid, type, name, enName, price, isHot: hot === 1, description, options };
}

export const seedProducts: SeedProduct[] = [
  product(
    "latte001",
    "latte",
    "黑糖拿铁",
    "Brown Sugar Latte",
    "28.00",
    0,
    "黑糖的焦香融进丝滑拿铁，甜而不腻。",
    [tem("冷/热"), sugar("全糖/半糖"), cream],
  ),
  product(
    "latte002",
    "latte",
    "香草拿铁",
    "Vanilla Latte",
    "28.00",
    0,
    "马达加斯加香草与浓缩咖啡的经典搭配。",
    [tem("冷/热"), sugar("全糖/半糖")],
  ),
  product("latte003", "latte", "拿铁", "Latte", "25.00", 0, "浓缩咖啡加蒸汽牛奶，简单醇厚。", [
    tem("冷/热"),
    sugar("全糖/半糖"),
  ]),
  product(
    "latte007",
    "latte",
    "元气厚乳拿铁",
    "Walnut Flavored Newer Latte",
    "21.00",
    0,
    "厚乳搭配核桃风味，口感浓郁顺滑。\n推荐冰饮。",
    [tem("冰/热"), sugar("标准糖/半糖"), cream],
  ),
  product(
    "latte006",
    "latte",
    "黑糖啵啵拿铁",
    "Brown Sugar Bubble Latte",
    "28.00",
    1,
    "Q弹黑糖啵啵沉在杯底，一口咖啡一口嚼。",
    [tem("冷/热"), sugar("全糖/半糖"), cream],
  ),
  product(
    "latte008",
    "latte",
    "海盐芝士厚乳拿铁",
    "Salty Cheese Newer Latte",
    "18.00",
    0,
    "微咸芝士奶盖覆在厚乳拿铁上，层次分明。",
    [tem("冰/热"), sugar("标准糖/半糖/无糖")],
  ),
  product("latte009", "latte", "茴香拿铁", "Anise Latte", "22.00", 0, "淡淡茴香带出咖啡的坚果香气。", [
    tem("冰/热"),
    sugar("标准糖/半糖/无糖"),
  ]),
  product(
    "coffee002",
    "coffee",
    "焦糖玛奇朵",
    "Caramel Macchiato",
    "28.00",
    0,
    "香草奶底、浓缩咖啡与焦糖淋面。",
    [tem("冷/热"), sugar("全糖/半糖")],
  ),
  product("coffee001", "coffee", "标准美式", "Americano", "22.00", 0, "浓缩咖啡加水，清爽直接的咖啡本味。", [
    tem("冷/热"),
    sugar("无糖/半份糖/单份糖"),
  ]),
  product("coffee003", "coffee", "摩卡", "Mocha", "28.00", 0, "巧克力与咖啡相遇，顶上一层奶油。", [
    tem("冷/热"),
    sugar("全糖/半糖"),
    cream,
  ]),
  product("latte004", "coffee", "焦糖拿铁", "Caramel Latte", "28.00", 1, "焦糖风味拿铁，香甜温暖。", [
    tem("冷/热"),
    sugar("全糖/半糖"),
  ]),
  product("latte005", "coffee", "榛果拿铁", "Hazelnut Latte", "28.00", 1, "烘烤榛果的香气让拿铁更有层次。", [
    tem("冷/热"),
    sugar("全糖/半糖"),
  ]),
  product(
    "rena_ice001",
    "rena_ice",
    "巧克力瑞纳冰",
    "Chocolate Exfreezo",
    "28.00",
    0,
    "巧克力冰沙配奶油，夏日解暑。",
    [cream],
  ),
  product(
    "rena_ice002",
    "rena_ice",
    "抹茶瑞纳冰",
    "Matcha Exfreezo",
    "28.00",
    0,
    "宇治抹茶冰沙，清新微苦。",
    [cream],
  ),
  product(
    "rena_ice003",
    "rena_ice",
    "卡布奇诺瑞纳冰",
    "Cappuccino Exfreezo",
    "28.00",
    0,
    "卡布奇诺风味冰沙，咖啡香十足。",
    [cream],
  ),
  product(
    "fruit_tea002",
    "fruit_tea",
    "草莓酸饮",
    "Strawberry Sour Drink",
    "19.00",
    0,
    "新鲜草莓果肉，酸甜开胃。",
    [tem("冰"), sugar("标准/半糖/0卡糖")],
  ),
  product(
    "fruit_tea001",
    "fruit_tea",
    "满杯百香果",
    "Passion Fruit Jasmine Tea",
    "17.00",
    1,
    "百香果与茉莉绿茶，满杯果香。",
    [tem("冰"), sugar("标准/半糖/0卡糖")],
  ),
  product("fruit_tea005", "fruit_tea", "椰子冰", "Coconut Ice", "20.00", 1, "椰浆与椰肉冰沙，热带风味。", [
    tem("冰"),
    cream,
  ]),
  product("coffee004", "coffee", "卡布奇诺", "Cappuccino", "25.00", 0, "绵密奶泡覆盖浓缩咖啡，经典意式。", [
    tem("冷/热"),
  ]),
  product(
    "coffee005",
    "coffee",
    "焦糖标准美式",
    "Caramel Americano",
    "25.00",
    0,
    "美式咖啡加一点焦糖，可按口味加奶。",
    [tem("热"), milk],
  ),
  product("coffee006", "coffee", "奥瑞白", "Flat White", "28.00", 1, "双份浓缩与细腻微奶泡，咖啡味更突出。", [
    tem("热"),
  ]),
  product(
    "coffee008",
    "coffee",
    "甜美焦糖冰咖啡",
    "Sweet Caramel Iced Coffee",
    "24.00",
    0,
    "焦糖与冰咖啡，甜美提神。",
    [tem("冷/热")],
  ),
];

export const seedPromotions: SeedPromotion[] = [
  {
    imageUrl: "static/images/promotions/banner-1.png",
    description: "新品黑糖啵啵拿铁，限时第二杯半价",
    sortOrder: 1,
  },
  {
    imageUrl: "static/images/promotions/banner-2.png",
    description: "注册会员即送一张5元饮品券",
    sortOrder: 2,
  },
  {
    imageUrl: "static/images/promotions/banner-3.png",
    description: "每周三水果茶日，全场水果茶8折",
    sortOrder: 3,
  },
  {
    imageUrl: "static/images/promotions/banner-4.png",
    description: "早八点前下单，美式咖啡只要15元",
    sortOrder: 4,
  },
];

export const productImage = (pid: string, size: "small" | "large") =>
  `static/images/products/${pid}-${size}.png`;
