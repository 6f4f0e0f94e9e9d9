// Draws the seed catalogue's images (flat-colour PNG cups and banners) into prisma/seed/images/.
// Run once by hand when the catalogue changes: `node scripts/make-images.mjs`. The output is committed.
import { mkdirSync, writeFileSync } from "node:fs";
import { crc32, deflateSync } from "node:zlib";

const out = new URL("../prisma/seed/images/", import.meta.url);

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

function png(width, height, pixel) {
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width * 3 + 1)] = 0;
    for (let x = 0; x < width; x++) {
      const [r, g, b] = pixel(x / width, y / height);
      const o = y * (width * 3 + 1) + 1 + x * 3;
      raw[o] = r;
      raw[o + 1] = g;
      raw[o + 2] = b;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(raw, { level: 9 })),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

function hsl(h, s, l) {
  const a = s * Math.min(l, 1 - l);
  const f = (n) => {
    const k = (n + h / 30) % 12;
    return Math.round(255 * (l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1))));
  };
  return [f(0), f(8), f(4)];
}

function hue(text) {
  let h = 0;
  for (const c of text) h = (h * 31 + c.charCodeAt(0)) % 360;
  return h;
}

// A cup: a rounded body, a handle and a saucer on a tinted background.
function cup(h) {
  const bg = hsl(h, 0.45, 0.9);
  const body = hsl(h, 0.5, 0.45);
  const foam = hsl(h, 0.35, 0.8);
  return (x, y) => {
    const inBody = y > 0.3 && y < 0.75 && Math.abs(x - 0.45) < 0.22 - (y - 0.3) * 0.12;
    const inFoam = y > 0.25 && y <= 0.3 && Math.abs(x - 0.45) < 0.22;
    const handle = Math.hypot(x - 0.68, y - 0.48);
    const inHandle = handle > 0.06 && handle < 0.1 && x > 0.66;
    const inSaucer = Math.abs(y - 0.79) < 0.025 && Math.abs(x - 0.45) < 0.32;
    if (inFoam) return foam;
    if (inBody || inHandle) return body;
    if (inSaucer) return [250, 250, 250];
    return bg;
  };
}

function banner(h) {
  return (x, y) => {
    const stripe = Math.floor((x + y * 0.4) * 8) % 2 === 0;
    const circle = Math.hypot((x - 0.8) * 2.5, y - 0.5) < 0.35;
    if (circle) return hsl((h + 30) % 360, 0.6, 0.6);
    return hsl(h, 0.5, stripe ? 0.55 : 0.6);
  };
}

const pids = [
  "latte001",
  "latte002",
  "latte003",
  "latte004",
  "latte005",
  "latte006",
  "latte007",
  "latte008",
  "latte009",
  "coffee001",
  "coffee002",
  "coffee003",
  "coffee004",
  "coffee005",
  "coffee006",
  "coffee008",
  "rena_ice001",
  "rena_ice002",
  "rena_ice003",
  "fruit_tea001",
  "fruit_tea002",
  "fruit_tea005",
];
mkdirSync(new URL("products/", out), { recursive: true });
mkdirSync(new URL("promotions/", out), { recursive: true });
for (const pid of pids) {
  writeFileSync(new URL(`products/${pid}-small.png`, out), png(120, 120, cup(hue(pid))));
  writeFileSync(new URL(`products/${pid}-large.png`, out), png(480, 480, cup(hue(pid))));
}
for (let i = 1; i <= 4; i++) {
  writeFileSync(new URL(`promotions/banner-${i}.png`, out), png(750, 300, banner(i * 85)));
}
writeFileSync(new URL("default-avatar.png", out), png(128, 128, cup(25)));
writeFileSync(new URL("products/default-small.png", out), png(120, 120, cup(30)));
writeFileSync(new URL("products/default-large.png", out), png(480, 480, cup(30)));
writeFileSync(new URL("default-background.png", out), png(750, 300, banner(30)));
