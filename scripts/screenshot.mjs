#!/usr/bin/env node
// Full-page screenshot of an HTML report in the system's Chromium, for docs/:
//   node scripts/screenshot.mjs IN.html OUT.png
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import puppeteer from 'puppeteer-core';

const [input, output] = process.argv.slice(2);
if (!input || !output) {
  console.error('usage: node scripts/screenshot.mjs IN.html OUT.png');
  process.exit(2);
}
const executablePath = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find(existsSync);
if (!executablePath) {
  console.error('no Chromium: run native-tools/install.sh');
  process.exit(3);
}
const browser = await puppeteer.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
try {
  const page = await browser.newPage();
  await page.setViewport({ width: 1040, height: 900 });
  await page.goto(pathToFileURL(path.resolve(input)).href, { waitUntil: 'load' });
  await page.screenshot({ path: output, fullPage: true });
  console.log(output);
} finally {
  await browser.close();
}
