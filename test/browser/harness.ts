import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, afterEach, beforeAll } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));

/**
 * The few browser globals the functions run in the page use, typed by hand: this project compiles
 * without the DOM library. Inside `page.evaluate` callbacks write `globalThis as unknown as PageGlobals`.
 */
export interface PageGlobals {
  readonly document: {
    querySelector(selector: string): { readonly textContent: string | null } | null;
    readonly documentElement: unknown;
  };
  readonly MutationObserver: new (
    callback: () => void,
  ) => { observe(target: unknown, options: Record<string, boolean>): void };
  readonly store?: {
    getState(): {
      readonly isLoading?: boolean;
      readonly error: {
        readonly backEnd: readonly { readonly error: { readonly message: string; readonly html?: string } }[];
      };
    };
  };
  __watch?: Record<string, { t: number; value: unknown }[]>;
}

/** Debian's Chromium, headless, without the background traffic this machine's closed network refuses. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      // Timers of a page that is not focused must not be throttled: the renderer polls with setTimeout.
      "--disable-background-timer-throttling",
      "--disable-renderer-backgrounding",
      "--disable-backgrounding-occluded-windows",
    ],
  });
}

/** An example (or any app module) running in its own process, as `npx tsx <file>` runs it. */
export interface RunningExample {
  readonly url: string;
  readonly process: ChildProcess;
  /** Everything the process (and its worker processes) printed so far. */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts `file` (an example or a fixture app) on a free port with a fresh SQLite file in
 * `CACHE_PATH`; resolves once it serves. `stop()` ends it (SIGTERM, then SIGKILL after 5 s) and
 * removes the folder of the SQLite file.
 */
export function startExample(file: string, env: Record<string, string> = {}): Promise<RunningExample> {
  const dir = mkdtempSync(join(tmpdir(), "bgcb-browser-"));
  const child = spawn(process.execPath, ["--import", "tsx", join(root, file)], {
    cwd: root,
    env: { ...process.env, PORT: "0", HOST: "127.0.0.1", CACHE_PATH: join(dir, "cache.sqlite"), ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  return new Promise((resolve, reject) => {
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Dash is running on (\S+)/.exec(output);
      if (match) resolve({ url: match[1] as string, process: child, output: () => output, stop });
    });
    child.once("exit", (code) => reject(new Error(`${file} exited with code ${code} before serving:\n${output}`)));
  });
}

/** Opens a page and records console errors, page errors, failed requests and HTTP errors. */
export async function openPage(browser: Browser, url: string): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console: ${message.text()}`);
  });
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("requestfailed", (request) => {
    // A request the page itself gave up on (navigation away, page closed) is not a failure of the app.
    if (request.failure()?.errorText === "net::ERR_ABORTED" && page.isClosed()) return;
    problems.push(`request failed: ${request.url()} (${request.failure()?.errorText})`);
  });
  page.on("response", (response) => {
    if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`);
  });
  await page.goto(url);
  await waitForApp(page);
  return { page, problems };
}

/** Waits until the renderer has mounted the layout and has no callback in flight. */
export async function waitForApp(page: Page, timeout = 15_000): Promise<void> {
  await page.waitForFunction(
    () => {
      const { document, store } = globalThis as unknown as PageGlobals;
      return document.querySelector("._dash-loading") === null && store !== undefined;
    },
    undefined,
    { timeout },
  );
}

/** Whether the renderer still has callbacks in flight (Dash's `redux_state_is_loading`). */
export function isLoading(page: Page): Promise<boolean> {
  return page.evaluate(() => {
    const { store } = globalThis as unknown as PageGlobals;
    return store?.getState().isLoading === true;
  });
}

/** The trimmed text of the first element matching `selector`, or `null` when there is none. */
export function textOf(page: Page, selector: string): Promise<string | null> {
  return page.evaluate(
    (sel) => (globalThis as unknown as PageGlobals).document.querySelector(sel)?.textContent?.trim() ?? null,
    selector,
  );
}

/**
 * Waits until the text of `selector` equals `expected` (or matches it, for a RegExp). On timeout
 * the error names the text seen last.
 */
export async function waitForText(
  page: Page,
  selector: string,
  expected: string | RegExp,
  timeout = 10_000,
): Promise<void> {
  const pattern = expected instanceof RegExp ? { source: expected.source, flags: expected.flags } : null;
  try {
    await page.waitForFunction(
      ({ sel, text, re }) => {
        const actual = (globalThis as unknown as PageGlobals).document.querySelector(sel)?.textContent?.trim();
        if (actual === undefined) return false;
        return re ? new RegExp(re.source, re.flags).test(actual) : actual === text;
      },
      { sel: selector, text: typeof expected === "string" ? expected : "", re: pattern },
      { timeout },
    );
  } catch (error) {
    const actual = page.isClosed() ? "(page closed)" : JSON.stringify(await textOf(page, selector));
    throw new Error(`Waited ${timeout} ms for ${selector} to show ${String(expected)}; it shows ${actual}`, {
      cause: error,
    });
  }
}

/** Waits until `expression` (JavaScript, evaluated in the page) is truthy; the error quotes it. */
export async function waitFor(page: Page, expression: string, timeout = 10_000): Promise<void> {
  try {
    await page.waitForFunction(expression, undefined, { timeout });
  } catch (error) {
    throw new Error(`Waited ${timeout} ms for \`${expression}\``, { cause: error });
  }
}

/** One value a watched expression took, and when (ms since the page's time origin). */
export interface Sample<T = unknown> {
  readonly t: number;
  readonly value: T;
}

/**
 * Records every distinct value of `expression` (JavaScript, evaluated in the page) from now on:
 * it is re-evaluated after every DOM change (a MutationObserver on the whole document) and every
 * 25 ms, so no rendered state is missed. Read the record with {@link history}.
 */
export async function watch(page: Page, name: string, expression: string): Promise<void> {
  await page.evaluate(
    ({ name, expression }) => {
      const w = globalThis as unknown as PageGlobals;
      w.__watch ??= {};
      const log: { t: number; value: unknown }[] = [];
      w.__watch[name] = log;
      const read = new Function(`return (${expression});`) as () => unknown;
      let last = "";
      const record = () => {
        let value: unknown;
        try {
          value = read();
        } catch (error) {
          value = `! ${(error as Error).message}`;
        }
        const key = JSON.stringify(value) ?? "undefined";
        if (log.length > 0 && key === last) return;
        last = key;
        log.push({ t: Math.round(performance.now()), value });
      };
      record();
      new w.MutationObserver(record).observe(w.document.documentElement, {
        subtree: true,
        childList: true,
        attributes: true,
        characterData: true,
      });
      setInterval(record, 25);
    },
    { name, expression },
  );
}

/** The values a {@link watch}ed expression took so far, oldest first. */
export function history<T = unknown>(page: Page, name: string): Promise<Sample<T>[]> {
  return page.evaluate((name) => {
    const w = globalThis as unknown as PageGlobals;
    return (w.__watch?.[name] ?? []) as never;
  }, name);
}

/** The values only, oldest first. */
export async function values<T = unknown>(page: Page, name: string): Promise<T[]> {
  return (await history<T>(page, name)).map((sample) => sample.value);
}

/** Counts the requests to `_dash-update-component` from now on, with their query strings. */
export function countUpdates(page: Page): { readonly urls: string[]; reset(): void } {
  const urls: string[] = [];
  page.on("request", (request) => {
    if (request.url().includes("_dash-update-component")) urls.push(request.url());
  });
  return {
    urls,
    reset: () => {
      urls.length = 0;
    },
  };
}

/**
 * The dev-tools error panel's text (debug mode): opens the error list when it is closed, expands
 * every error, and returns the text of all of them. Empty when there is no error.
 */
export async function devToolsErrors(page: Page): Promise<string> {
  const count = page.locator(".test-devtools-error-count");
  if ((await count.count()) === 0) return "";
  if ((await page.locator(".dash-fe-error-item").count()) === 0) await count.click();
  await page.locator(".dash-fe-error-item").first().waitFor({ timeout: 5_000 });
  for (const item of await page.locator(".dash-error-card__content").all()) {
    if ((await item.locator(".error-container").count()) === 0) await item.locator(".dash-fe-error-item").click();
  }
  return (await page.locator(".dash-error-card__content").allTextContents()).join("\n");
}

/** The number of errors the dev tools show (debug mode), 0 when none. */
export async function devToolsErrorCount(page: Page): Promise<number> {
  const count = page.locator(".test-devtools-error-count");
  if ((await count.count()) === 0) return 0;
  return Number((await count.textContent())?.trim() ?? "0");
}

/** Resolves after `ms` — only to check that something does *not* happen within that time. */
export const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * For a test file: one browser, launched before its first test and closed after its last.
 * Call at the top level of the file.
 */
export function useBrowser(): () => Browser {
  let browser: Browser | undefined;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });
  return () => {
    if (!browser) throw new Error("The browser is not launched yet");
    return browser;
  };
}

/**
 * For a describe block: `file` (an example or a fixture app) in its own process, started before
 * the block's first test and stopped after its last; `open()` gives each test a fresh page, closed
 * after the test.
 */
export function useApp(file: string, browser: () => Browser, env: Record<string, string> = {}) {
  let app: RunningExample | undefined;
  const pages: Page[] = [];
  beforeAll(async () => {
    app = await startExample(file, env);
  });
  afterEach(async () => {
    await Promise.all(pages.splice(0).map((page) => page.close()));
  });
  afterAll(async () => {
    await app?.stop();
  });
  return {
    get app(): RunningExample {
      if (!app) throw new Error(`${file} is not started yet`);
      return app;
    },
    async open(): Promise<{ page: Page; problems: string[] }> {
      const opened = await openPage(browser(), this.app.url);
      pages.push(opened.page);
      return opened;
    },
  };
}

/** `problems` without the ones matching `expected`; fails when an expected one is missing. */
export function unexpectedProblems(problems: readonly string[], expected: readonly RegExp[]): string[] {
  const left = [...problems];
  for (const pattern of expected) {
    const index = left.findIndex((problem) => pattern.test(problem));
    if (index === -1) return [...left, `(expected a problem matching ${pattern}, saw none)`];
    left.splice(index, 1);
  }
  return left;
}
