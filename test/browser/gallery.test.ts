/**
 * `npm start`: the gallery's front page in Chromium — a card per example with its story, a link
 * that opens it, its source served as text, and the manager it runs on (the QueueManager when
 * `REDIS_URL` is set) — with nothing loaded from elsewhere.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useBrowser, waitForApp } from "./harness.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const EXAMPLES = [
  "simple",
  "disable-button",
  "cancel",
  "progress-bar",
  "progress-graph",
  "set-props",
  "queue-position",
];

interface Gallery {
  readonly url: string;
  stop(): Promise<void>;
}

function startGallery(env: Record<string, string>): Promise<Gallery> {
  const dir = mkdtempSync(join(tmpdir(), "bgcb-gallery-"));
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", join(root, "examples/gallery.ts")], {
    cwd: root,
    env: { ...process.env, PORT: "0", HOST: "127.0.0.1", CACHE_PATH: join(dir, "cache.sqlite"), ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  return new Promise((resolve, reject) => {
    let output = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const match = /open (http:\/\/\S+)/.exec(output);
      if (match?.[1]) resolve({ url: match[1], stop });
    });
    child.once("exit", (code) => reject(new Error(`the gallery exited with ${code}:\n${output}`)));
  });
}

const browser = useBrowser();

describe("the gallery on the DiskManager", () => {
  let gallery: Gallery;
  beforeAll(async () => {
    gallery = await startGallery({ REDIS_URL: "" });
  }, 120_000);
  afterAll(() => gallery?.stop());

  it("shows a title, a pitch and a card per example, loading nothing from elsewhere", async () => {
    const page = await browser().newPage();
    const requested: string[] = [];
    page.on("request", (request) => requested.push(request.url()));
    await page.goto(gallery.url);
    expect(await page.locator("h1").textContent()).toBe("background-callbacks");
    expect((await page.locator(".pitch").textContent())?.length).toBeGreaterThan(100);
    const cards = page.locator(".card");
    expect(await cards.count()).toBe(EXAMPLES.length);
    for (const [index, name] of EXAMPLES.entries()) {
      const card = cards.nth(index);
      expect((await card.locator("p").textContent())?.length, name).toBeGreaterThan(30);
      expect(await card.locator("a.open").getAttribute("href"), name).toBe(`/${name}/`);
      expect(await card.locator("a.source").getAttribute("href"), name).toBe(`/source/${name}.ts`);
      expect(await card.locator(".pill").textContent(), name).toBe("on DiskManager");
    }
    const origin = new URL(gallery.url).origin;
    expect(requested.filter((url) => !url.startsWith(origin))).toEqual([]);
    await page.close();
  });

  it("serves each example's source as text, and no other file", async () => {
    for (const name of EXAMPLES) {
      const response = await fetch(new URL(`/source/${name}.ts`, gallery.url));
      expect(response.status, name).toBe(200);
      expect(response.headers.get("content-type"), name).toBe("text/plain; charset=utf-8");
      expect(await response.text(), name).toBe(readFileSync(join(root, "examples", `${name}.ts`), "utf8"));
    }
    for (const path of ["/source/manager.ts", "/source/gallery.ts", "/source/%2e%2e/package.json", "/source/"]) {
      expect((await fetch(new URL(path, gallery.url))).status, path).toBe(404);
    }
  });

  it("opens an example from its card, through the gallery's port", async () => {
    const page = await browser().newPage();
    const problems: string[] = [];
    page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
    page.on("response", (response) => {
      if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`);
    });
    await page.goto(gallery.url);
    await page.locator("#simple a.open").click();
    await page.waitForURL(/\/simple\/$/);
    await waitForApp(page);
    expect(await page.locator("#react-entry-point button").count()).toBeGreaterThan(0);
    expect(problems).toEqual([]);
    await page.close();
  });
});

describe("the gallery with REDIS_URL", () => {
  let gallery: Gallery;
  beforeAll(async () => {
    gallery = await startGallery({ REDIS_URL: "redis://127.0.0.1:6379" });
  }, 120_000);
  afterAll(() => gallery?.stop());

  it("says the examples run on the QueueManager, and how to start its workers", async () => {
    const page = await browser().newPage();
    await page.goto(gallery.url);
    for (const pill of await page.locator(".card .pill").allTextContents()) expect(pill).toBe("on QueueManager");
    expect(await page.locator(".card .pill").count()).toBe(EXAMPLES.length);
    expect(await page.locator(".manager").textContent()).toContain("npx background-callbacks worker");
    await page.close();
  });
});
