/**
 * scripts/vendor-assets.mjs downloads from the registry npm is configured with, and names no host
 * of its own. Run on a copy in a temporary folder, so the real vendor/ is never touched.
 */
import { spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const script = fileURLToPath(new URL("../../scripts/vendor-assets.mjs", import.meta.url));
const made: string[] = [];

/** Runs a copy of the script in a fresh folder with `env`; resolves with its exit code and stderr. */
function runCopy(
  env: Record<string, string>,
  npmrc?: string,
): Promise<{ code: number | null; stderr: string; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), "bgcb-vendor-"));
  made.push(dir);
  mkdirSync(join(dir, "scripts"));
  copyFileSync(script, join(dir, "scripts", "vendor-assets.mjs"));
  writeFileSync(join(dir, "package.json"), '{ "name": "vendor-test", "private": true }\n');
  if (npmrc !== undefined) writeFileSync(join(dir, ".npmrc"), npmrc);
  const clean = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_config_registry$/i.test(key)));
  const child = spawn(process.execPath, [join(dir, "scripts", "vendor-assets.mjs")], {
    cwd: dir,
    env: { ...clean, ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve) => child.once("exit", (code) => resolve({ code, stderr, dir })));
}

afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

describe("scripts/vendor-assets.mjs", () => {
  it("names no registry host in its source", () => {
    expect(readFileSync(script, "utf8")).not.toMatch(/https?:\/\//);
  });

  it("downloads from npm's configured registry (a project .npmrc), and says so when it cannot", async () => {
    // Port 9 (discard) refuses connections at once on this machine's loopback.
    const { code, stderr, dir } = await runCopy({}, "registry=http://127.0.0.1:9/\n");
    expect(code).toBe(1);
    expect(stderr).toContain("from http://127.0.0.1:9/");
    expect(stderr).toMatch(/Cannot download .*dash-table@7\.4\.1.*\(http:\/\/127\.0\.0\.1:9\/\)/);
    expect(stderr).toContain("`npm run vendor`");
    // Nothing half-written is left behind.
    expect(existsSync(join(dir, "vendor", "manifest.json"))).toBe(false);
    expect(existsSync(join(dir, "vendor", "dash-table"))).toBe(false);
  }, 60_000);

  it("leaves credentials in the registry URL out of its messages", async () => {
    // npm refuses to print such a registry setting; the message then names the setting instead.
    const { code, stderr } = await runCopy({ npm_config_registry: "http://user:s3cret@127.0.0.1:9/" });
    expect(code).toBe(1);
    expect(stderr).toContain("Cannot download");
    expect(stderr).toContain(`npm's "registry" setting`);
    expect(stderr).not.toContain("s3cret");
  }, 60_000);
});
