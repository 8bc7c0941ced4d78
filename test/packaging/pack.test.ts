/**
 * The conformance suite works from the published package: build and `npm pack` a copy of this
 * repository, install the tarball in a fresh project with vitest and tsx, write the files of
 * docs/writing-a-manager.md's recipe as they are, and run it as the doc says (`npx vitest run`).
 * The fresh project installs vitest and tsx while the library builds; the tarball comes after.
 */
import { execFile } from "node:child_process";
import {
  copyFileSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const root = new URL("../..", import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { devDependencies: Record<string, string> };

/** What the build and the package need; tests, docs and benchmarks stay behind. */
const SOURCES = [
  "src",
  "managers",
  "scripts",
  "vendor",
  "package.json",
  "README.md",
  "tsconfig.json",
  "tsconfig.build.json",
  "tsup.config.ts",
];

/** The recipe's files, exactly as docs/writing-a-manager.md shows them. */
const RECIPE = ["minimal-manager.ts", "map-factory.ts", "run-suite.test.ts", "vitest.config.ts"];

/** Bounds on each step, so a stuck step fails the test with its name instead of hanging it. */
const LIMIT = { build: 180_000, pack: 60_000, install: 180_000, "install the package": 120_000, suite: 420_000 };

const INSTALL_FLAGS = ["--save-dev", "--no-audit", "--no-fund", "--prefer-offline"];

const work = mkdtempSync(join(tmpdir(), "bgcb-pack-"));
let passed = false;
// A failed run leaves its project behind, to be looked into; its path is in the failure.
afterAll(() => {
  if (passed) rmSync(work, { recursive: true, force: true });
});

/** The environment of this test process without what would make the inner vitest think it is nested. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, CI: "1", NO_COLOR: "1", FORCE_COLOR: "0" };
  for (const key of Object.keys(env)) {
    if (/^(VITEST|__VITEST|BACKGROUND_CALLBACKS_|NODE_OPTIONS$|TINYPOOL)/.test(key)) delete env[key];
  }
  // The machine this runs on may be busy with other tests: the documented way to stretch the bounds.
  env.BACKGROUND_CALLBACKS_TIME_SCALE = "3";
  return env;
}

function run(step: keyof typeof LIMIT, command: string, args: string[], cwd: string): Promise<string> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { cwd, env: cleanEnv(), timeout: LIMIT[step], maxBuffer: 64 << 20 },
      (error, stdout, stderr) => {
        const output = `${stdout}\n${stderr}`;
        // Where this file's minutes go, in the run's output.
        console.log(`${step}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
        if (error)
          reject(
            new Error(
              `${step}: \`${command} ${args.join(" ")}\` failed in ${cwd} (${error.message})\n${output.slice(-6000)}`,
            ),
          );
        else resolve(output);
      },
    );
  });
}

async function packLibrary(): Promise<string> {
  const copy = join(work, "library");
  mkdirSync(copy);
  for (const entry of SOURCES) cpSync(join(root, entry), join(copy, entry), { recursive: true });
  symlinkSync(join(root, "node_modules"), join(copy, "node_modules"), "dir");
  await run("build", "npm", ["run", "build"], copy);
  await run("pack", "npm", ["pack", "--ignore-scripts", "--pack-destination", work], copy);
  const tarball = readdirSync(work).find((name) => name.endsWith(".tgz"));
  expect(tarball, "npm pack wrote no tarball").toBeDefined();
  return join(work, tarball as string);
}

/** A fresh project with vitest and tsx, as the doc's reader starts; the package comes later. */
async function freshProject(): Promise<string> {
  const project = join(work, "project");
  mkdirSync(project);
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "my-manager", private: true, type: "module" }));
  const versions = [`vitest@${pkg.devDependencies.vitest}`, `tsx@${pkg.devDependencies.tsx}`];
  await run("install", "npm", ["install", ...INSTALL_FLAGS, ...versions], project);
  for (const file of RECIPE) copyFileSync(join(root, "docs", "examples", file), join(project, file));
  return project;
}

describe("the published package", () => {
  it(
    "installs in a fresh project, where the documented suite file runs the whole suite green",
    async () => {
      // Independent until the tarball is installed: the build is CPU, the install mostly waits.
      const [tarball, project] = await Promise.all([packLibrary(), freshProject()]);
      await run("install the package", "npm", ["install", ...INSTALL_FLAGS, tarball], project);
      const output = await run("suite", "npx", ["vitest", "run"], project);
      const tests = /Tests\s+(\d+) passed \((\d+)\)/.exec(output);
      expect(tests, output.slice(-4000)).not.toBeNull();
      expect(Number(tests?.[1])).toBe(Number(tests?.[2]));
      expect(Number(tests?.[1])).toBeGreaterThan(50);
      expect(output).toContain("run-suite.test.ts");
      passed = true;
    },
    Object.values(LIMIT).reduce((a, b) => a + b),
  );
});
