// Regenerates the committed PNG icons from the SVG mark (src/web/static/icons/icon.svg):
// `node scripts/make-icons.mjs` after changing it. Uses Debian's Chromium to rasterise,
// so the build itself needs no image library.
import { Buffer } from 'node:buffer';
import { readFileSync, writeFileSync } from 'node:fs';
import { chromium } from 'playwright-core';

const dir = 'src/web/static/icons';
const svg = readFileSync(`${dir}/icon.svg`, 'utf8');

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
async function png(source, size) {
  const page = await browser.newPage({ viewport: { width: size, height: size } });
  await page.setContent(`<body style="margin:0"><img src="data:image/svg+xml,${encodeURIComponent(source)}" width="${size}" height="${size}" style="display:block"></body>`);
  const image = await page.screenshot({ omitBackground: true });
  await page.close();
  return image;
}

// iOS rounds the corners itself and wants an opaque square.
const square = svg.replace(/ rx="[\d.]+"/, '');
writeFileSync(`${dir}/apple-touch-icon.png`, await png(square, 180));

// The web app manifest's icons: the rounded mark at 192 and 512 px, and a maskable one that
// the platform crops to its own shape (circle, squircle): an opaque square whose mark is
// shrunk to 75% about the centre, inside the safe zone (the central circle of 80% diameter).
writeFileSync(`${dir}/icon-192.png`, await png(svg, 192));
writeFileSync(`${dir}/icon-512.png`, await png(svg, 512));
const maskable = square.replace(/(<rect [^>]*\/>)(.*)<\/svg>/, '$1<g transform="translate(16 16) scale(.75) translate(-16 -16)">$2</g></svg>');
writeFileSync(`${dir}/icon-maskable-512.png`, await png(maskable, 512));

// An .ico holding PNG images (Windows Vista and every current browser read them).
const images = [await png(svg, 32), await png(svg, 16)];
const header = Buffer.alloc(6 + 16 * images.length);
header.writeUInt16LE(1, 2); // type: icon
header.writeUInt16LE(images.length, 4);
let offset = header.length;
images.forEach((image, i) => {
  const entry = 6 + 16 * i;
  const size = image.readUInt32BE(16); // the PNG's IHDR width
  header.writeUInt8(size, entry);
  header.writeUInt8(size, entry + 1);
  header.writeUInt16LE(1, entry + 4); // planes
  header.writeUInt16LE(32, entry + 6); // bits per pixel
  header.writeUInt32LE(image.length, entry + 8);
  header.writeUInt32LE(offset, entry + 12);
  offset += image.length;
});
writeFileSync(`${dir}/favicon.ico`, Buffer.concat([header, ...images]));
await browser.close();
console.log('wrote apple-touch-icon.png, icon-192.png, icon-512.png, icon-maskable-512.png and favicon.ico in', dir);
