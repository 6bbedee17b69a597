import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { uiDirectory } from '../../src/api/resources/ui.js';

/**
 * Chromium for the UI tests: Debian's, driven by playwright-core (which never downloads a browser of its own).
 * FERRITE_TEST_CHROMIUM points elsewhere.
 */
export const CHROMIUM_PATH = process.env.FERRITE_TEST_CHROMIUM ?? '/usr/bin/chromium';

/** The UI the service serves must be built (scripts/test.sh does it: node scripts/build-ui.mjs --force). */
export function assertUiBuilt(): void {
  const index = join(uiDirectory(), 'index.html');
  if (!existsSync(index)) throw new Error(`the browser UI is not built (${index} is missing): run node scripts/build-ui.mjs --force`);
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
}

export interface UiPage {
  context: BrowserContext;
  page: Page;
  /** Uncaught exceptions in the page: a working UI has none. */
  pageErrors: string[];
}

/** A fresh browser profile (no stored theme or credentials) showing the UI at `hash`, light theme, 1400×850. */
export async function openUi(browser: Browser, url: string, hash = '#/'): Promise<UiPage> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 850 }, colorScheme: 'light', deviceScaleFactor: 1 });
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  // A browser's navigation names text/html in Accept: the service answers `/` with the UI's page.
  await page.goto(`${url}/${hash}`);
  return { context, page, pageErrors };
}

/**
 * Waits until the locator's text satisfies `want` (equal to a string, or matching a RegExp); fails with the last
 * text seen, so a wrong count reads as "showed X", not as a bare timeout.
 */
export async function waitForText(locator: Locator, want: string | RegExp, timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last: string | null = null;
  for (;;) {
    last = (await locator.count()) > 0 ? await locator.first().textContent() : null;
    if (last !== null && (typeof want === 'string' ? last === want : want.test(last))) return last;
    if (Date.now() > deadline) throw new Error(`${String(locator)}: wanted ${String(want)}, showed ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Records every text the element `selector` shows from now on, in order, as the DOM changes (a MutationObserver
 * in the page): a state displayed for a moment is seen even if no poll of the test falls on it.
 */
export async function recordTexts(page: Page, selector: string): Promise<void> {
  // A string, not a function: the test's TypeScript transform would name the page's functions with a helper
  // (__name) that the page does not have.
  await page.evaluate(`(() => {
    const seen = (window.__ferriteSeen ??= {});
    const list = (seen[${JSON.stringify(selector)}] = []);
    const note = () => {
      const text = document.querySelector(${JSON.stringify(selector)})?.textContent ?? null;
      if (text !== null && list[list.length - 1] !== text) list.push(text);
    };
    note();
    new MutationObserver(note).observe(document.body, { subtree: true, childList: true, characterData: true });
  })()`);
}

/** The texts recordTexts saw for `selector`, in order, without repeats in a row. */
export function recordedTexts(page: Page, selector: string): Promise<string[]> {
  return page.evaluate((sel) => (window as unknown as { __ferriteSeen?: Record<string, string[]> }).__ferriteSeen?.[sel] ?? [], selector);
}

/** Marks the page's window: the mark is lost if the page ever loads again, so it shows views were updated in place. */
export async function markWindow(page: Page, token: string): Promise<void> {
  await page.evaluate((t) => {
    (window as unknown as { __ferriteMark?: string }).__ferriteMark = t;
  }, token);
}

export function windowMark(page: Page): Promise<string | undefined> {
  return page.evaluate(() => (window as unknown as { __ferriteMark?: string }).__ferriteMark);
}
