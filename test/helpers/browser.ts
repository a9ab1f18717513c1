/**
 * Opens a report in a real browser: Debian's Chromium (installed by native-tools/install.sh), driven over the
 * DevTools protocol by puppeteer-core. Collects console errors, page errors and any network request other than
 * the file itself (a self-contained report makes none), counts each chart's drawn marks, and takes a screenshot.
 */
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import puppeteer from 'puppeteer-core';

export const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find(existsSync);

export interface OpenedReport {
  consoleErrors: string[];
  pageErrors: string[];
  /** Requests other than the report file itself. */
  requests: string[];
  /** Per chart: its caption and how many marks (lines, dots, rects) have a visible size. */
  charts: { title: string; marks: number }[];
}

export async function openReport(file: string, screenshot: string): Promise<OpenedReport> {
  if (!CHROMIUM) throw new Error('no Chromium: run native-tools/install.sh (npm test does it first)');
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
  try {
    const page = await browser.newPage();
    const opened: OpenedReport = { consoleErrors: [], pageErrors: [], requests: [], charts: [] };
    const url = pathToFileURL(file).href;
    page.on('console', (m) => {
      if (m.type() === 'error') opened.consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => opened.pageErrors.push(String(e)));
    page.on('request', (r) => {
      if (r.url() !== url) opened.requests.push(r.url());
    });
    await page.setViewport({ width: 1100, height: 900 });
    await page.goto(url, { waitUntil: 'load' });
    opened.charts = await page.$$eval('figure.chart', (figures) =>
      figures.map((f) => ({
        title: f.querySelector('figcaption b')?.textContent ?? '',
        marks: [
          ...f.querySelectorAll(
            'svg g[aria-label="line"] path, svg g[aria-label="dot"] circle, svg g[aria-label="tick"] line',
          ),
        ]
          .map((m) => m.getBoundingClientRect())
          .filter((b) => b.width > 0 || b.height > 0).length,
      })),
    );
    await page.screenshot({ path: screenshot, fullPage: true });
    return opened;
  } finally {
    await browser.close();
  }
}
