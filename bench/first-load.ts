/**
 * The bytes of a first page load of examples/progress-graph.ts, by `Accept-Encoding`.
 * Chromium loads the page once to list every request a first visit makes (index, scripts, layout,
 * dependencies, dcc's graph chunk, plotly.js); each URL is then fetched again over raw HTTP with
 * each `Accept-Encoding`, counting the body bytes on the wire. Writes its table into docs/benchmarks.md.
 *
 *   npx tsx bench/first-load.ts
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { cpus } from "node:os";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const ENCODINGS = [
  ["identity", "identity (no `Accept-Encoding`)"],
  ["gzip", "`gzip`"],
  ["gzip, deflate, br, zstd", "`gzip, deflate, br, zstd` (Chromium's; br is chosen)"],
] as const;

function startExample(): Promise<{ child: ChildProcess; url: string }> {
  const file = fileURLToPath(new URL("../examples/progress-graph.ts", import.meta.url));
  const child = spawn(process.execPath, ["--import", "tsx", file], {
    env: { ...process.env, PORT: "0", REDIS_URL: "", CACHE_PATH: `/tmp/first-load-${process.pid}.sqlite` },
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    child.stdout?.on("data", (chunk: Buffer) => {
      const match = /Dash is running on (\S+)/.exec(chunk.toString());
      if (match?.[1]) resolve({ child, url: match[1] });
    });
    child.once("exit", (code) => reject(new Error(`the example exited with ${code}`)));
  });
}

/** Every request of a first visit, as Chromium makes them (method, URL, body). */
async function firstVisit(url: string): Promise<{ method: string; url: string; body: string | null }[]> {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium" });
  try {
    const page = await browser.newPage();
    const seen: { method: string; url: string; body: string | null }[] = [];
    page.on("request", (req) => seen.push({ method: req.method(), url: req.url(), body: req.postData() }));
    await page.goto(url, { waitUntil: "networkidle" });
    await page.locator("#progress_bar_graph .main-svg").first().waitFor();
    return seen;
  } finally {
    await browser.close();
  }
}

/** Body bytes on the wire for one request; node:http leaves the body encoded. */
function wireBytes(target: { method: string; url: string; body: string | null }, encoding: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { "accept-encoding": encoding };
    if (target.body !== null) headers["content-type"] = "application/json";
    const req = httpRequest(target.url, { method: target.method, headers }, (res) => {
      let bytes = 0;
      res.on("data", (chunk: Buffer) => {
        bytes += chunk.byteLength;
      });
      res.on("end", () => resolve(bytes));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(target.body ?? undefined);
  });
}

const { child, url } = await startExample();
const rows: string[] = [];
let requests = 0;
try {
  // Callback POSTs start jobs; only what a visit downloads before any click is counted.
  const visit = (await firstVisit(url)).filter((req) => !req.url.includes("_dash-update-component"));
  requests = visit.length;
  let identity = 0;
  for (const [encoding, label] of ENCODINGS) {
    // Once to warm the server's compressed copies, once to count.
    for (const target of visit) await wireBytes(target, encoding);
    let total = 0;
    for (const target of visit) total += await wireBytes(target, encoding);
    if (encoding === "identity") identity = total;
    const ratio = identity === 0 ? "" : `×${(total / identity).toFixed(2)}`;
    rows.push(`| ${label} | ${(total / 1e6).toFixed(2)} MB | ${total} | ${ratio} |`);
  }
} finally {
  child.kill("SIGTERM");
}

const cpu = cpus()[0]?.model.split(" ")[0] ?? "";
const table = [
  `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length} cores (${cpu}), Node ${process.version}; ${requests} requests (every one of a first visit before any click).`,
  "",
  "| Accept-Encoding | first load | bytes | of identity |",
  "| --- | --- | --- | --- |",
  ...rows,
].join("\n");
console.log(table);
const file = fileURLToPath(new URL("../docs/benchmarks.md", import.meta.url));
const begin = "<!-- bench/first-load.ts: begin -->";
const end = "<!-- bench/first-load.ts: end -->";
writeFileSync(
  file,
  readFileSync(file, "utf8").replace(new RegExp(`${begin}[\\s\\S]*${end}`), `${begin}\n${table}\n${end}`),
);
