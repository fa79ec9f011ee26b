// Renders assets/icon.svg to assets/icon.png (512×512) with the same headless Chromium the
// e2e tests use; electron-builder derives the .icns/.ico from the PNG. Run: npm run icons
import { readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';

const svg = readFileSync('assets/icon.svg', 'utf8');
const browser = await chromium.launch({
  executablePath: process.env.PATHLIGHT_CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
});
const page = await browser.newPage({ viewport: { width: 512, height: 512 } });
await page.setContent(`<html><body style="margin:0;background:transparent">${svg.replace('width="64" height="64"', 'width="512" height="512"')}</body></html>`);
await page.screenshot({ path: 'assets/icon.png', omitBackground: true, clip: { x: 0, y: 0, width: 512, height: 512 } });
await browser.close();
process.stderr.write('wrote assets/icon.png\n');
