#!/usr/bin/env node
/**
 * Vendors the Dash front end into `vendor/`: the exact npm tarballs pinned below, checked against
 * their sha512 integrity, reduced to the files the server sends to browsers. The data sets the
 * examples read go to `vendor/data/` the same way (they are not part of the published package).
 *
 * Installing `dash-renderer` and friends would pull ~230 MB of build tools for a few MB of
 * browser bundles, so they are not dependencies; this script runs as `prepare` (after
 * `npm install` / `npm ci`) and as `npm run vendor`. When `vendor/manifest.json` already matches
 * the table it touches no network and ends in milliseconds.
 *
 * Usage: node scripts/vendor-assets.mjs [--force]
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const VENDOR = join(ROOT, "vendor");
const MANIFEST = join(VENDOR, "manifest.json");
const FORMAT = 1;

const DCC_CHUNKS = ["datepicker", "dropdown", "graph", "highlight", "markdown", "mathjax", "slider", "upload"];
// dash-core-components 4.5.0 publishes no source map for the mathjax chunk.
const DCC_MAPLESS = new Set(["mathjax"]);

const TABLE_CHUNKS = ["export", "highlight", "table"];

/**
 * The pinned packages: integrity from `npm view <name>@<version> dist.integrity`. `data: true`
 * marks a package that only the examples read: it goes to `vendor/data/<name>/` and the manifest's
 * `data` section, and `licence` names the terms its files come under.
 */
const PACKAGES = [
  {
    name: "@babel/polyfill",
    version: "7.12.1",
    integrity: "sha512-X0pi0V6gxLi6lFZpGmeNa4zxtwEmCs42isWLNjZZDE0Y8yVfgu0T2OAHlzBbdYlqbW/YXVvoBHpATEM+goCj8g==",
    files: ["dist/polyfill.min.js"],
  },
  {
    name: "react",
    version: "18.3.1",
    integrity: "sha512-wS+hAgJShR0KhEvPJArfuPVN1+Hz1t0Y6n5jLrGQbkb4urgPE/0Rve+1kMB1v/oWgHgm4WIcV+i7F2pTVj+2iQ==",
    files: ["umd/react.production.min.js", "umd/react.development.js"],
  },
  {
    name: "react-dom",
    version: "18.3.1",
    integrity: "sha512-5m4nQKp+rZRb09LNH59GM4BxTh9251/ylbKIbpe7TpGxfJ+9kv6BLkLBXIjjspbgbnIBNqlI23tRnTWT0snUIw==",
    files: ["umd/react-dom.production.min.js", "umd/react-dom.development.js"],
  },
  {
    name: "prop-types",
    version: "15.8.1",
    integrity: "sha512-oj87CgZICdulUohogVAR7AjlC0327U4el4L6eAvOqCeudMDVU0NThNaV+b9Df4dXgSP1gXMTnPdhfe/2qDH5cg==",
    files: ["prop-types.min.js", "prop-types.js"],
  },
  {
    name: "dash-renderer",
    version: "3.4.1",
    integrity: "sha512-dbl2emiVjUzX2H/areS3S0ujs5x5yMRkAlij9jlZQ6JtzuoyvuxIh2WM7dDP2VhNu+BSvPRLQjh40TzSUmnLnQ==",
    files: ["build/dash_renderer.min.js", "build/dash_renderer.dev.js", "build/dash-ws-worker.js"],
  },
  {
    name: "dash-html-components",
    version: "4.5.0",
    integrity: "sha512-qfw8vXNIo4umG/OeBZg6Ld0AX1KIt1+MPVkcpkqBDISVgp+nHk4ceA6oCtbjTq6suS5jmQCHnsvE5KXkiqpoxg==",
    files: ["dash_html_components/dash_html_components.min.js", "dash_html_components/dash_html_components.min.js.map"],
  },
  {
    name: "dash-core-components",
    version: "4.5.0",
    integrity: "sha512-EBIOPsq0310LQovbn2+XjcuW9AGGtwddgaNzSatr6M2+D4blGCZ6IvP82nG0coVYA7KnFS3cqbcFzh9Tq2Ivjw==",
    files: [
      "dash_core_components/dash_core_components.js",
      "dash_core_components/dash_core_components.js.map",
      "dash_core_components/dash_core_components-shared.js",
      "dash_core_components/dash_core_components-shared.js.map",
      "dash_core_components/proptypes.js",
      ...DCC_CHUNKS.flatMap((chunk) => [
        `dash_core_components/async-${chunk}.js`,
        ...(DCC_MAPLESS.has(chunk) ? [] : [`dash_core_components/async-${chunk}.js.map`]),
      ]),
    ],
  },
  {
    // Dash takes plotly.js from the Python `plotly` package; plotly.py 6.9 (current for Dash 4.4/4.5) bundles 3.7.0.
    name: "plotly.js-dist-min",
    version: "3.7.0",
    integrity: "sha512-IRWNnBJZmKss3URDnicBK2nvt/VTSi/MD1GnUscAYFjwSuN6g/CTde5R1UC0RYtblehj8rkT4BL8r05e/c8j5Q==",
    files: ["plotly.min.js"],
  },
  {
    // The dash-table release built in the Dash repository alongside dash-renderer 3.4 and dcc 4.5
    // (the 4.x ones come from the older standalone repository).
    name: "dash-table",
    version: "7.4.1",
    integrity: "sha512-A5nCbUDSBUp84pzsrGiEuuKWebbmyMQS+EZR+nOsAq9VDrNM3kVxmmAI8qXhrlRyWd9QLEvPZo+cKp5Pwg8Hmw==",
    files: [
      "dash_table/bundle.js",
      "dash_table/bundle.js.map",
      ...TABLE_CHUNKS.flatMap((chunk) => [`dash_table/async-${chunk}.js`, `dash_table/async-${chunk}.js.map`]),
    ],
  },
  {
    name: "vega-datasets",
    version: "3.2.1",
    integrity: "sha512-lTSwZA6yq6qSU2YZm+6bqILiIvTPPxn4itir7jPGFmHIdPvUfQ9pCzzcrklYywMJgLUbaIeSkZQdiJd6wBxPug==",
    files: ["data/gapminder.json"],
    data: true,
    licence:
      "data/gapminder.json: Gapminder Foundation (gapminder.org), CC BY 4.0, as listed in the package's datapackage.json; the vega-datasets package: BSD-3-Clause",
  },
];

/** Where a package's files live, and the manifest section that lists them. */
const sectionOf = (pkg) => (pkg.data ? "data" : "packages");
const folderOf = (pkg) => (pkg.data ? join(VENDOR, "data", pkg.name) : join(VENDOR, pkg.name));
const previousEntry = (previous, pkg) => previous?.[sectionOf(pkg)]?.[pkg.name];

class VendorError extends Error {}

const log = (message) => process.stderr.write(`[background-callbacks:vendor] ${message}\n`);

function readManifest() {
  try {
    const manifest = JSON.parse(readFileSync(MANIFEST, "utf8"));
    return manifest?.format === FORMAT && typeof manifest.packages === "object" ? manifest : undefined;
  } catch {
    return undefined;
  }
}

/** Whether the vendored copy of `pkg` is the pinned one and its files are all still there. */
function isCurrent(pkg, entry) {
  if (entry?.version !== pkg.version || entry.integrity !== pkg.integrity) return false;
  const listed = Object.keys(entry.files ?? {});
  if (listed.length !== pkg.files.length || !pkg.files.every((file) => entry.files[file])) return false;
  return pkg.files.every((file) => {
    const path = join(folderOf(pkg), file);
    return existsSync(path) && statSync(path).size === entry.files[file].size;
  });
}

/** Downloads the tarballs of `packages` in one `npm pack` call; returns name → tarball path. */
function packTarballs(packages, destination) {
  const specs = packages.map((pkg) => `${pkg.name}@${pkg.version}`);
  log(`downloading ${specs.join(", ")} from ${registry()}`);
  // npm's default retries take over a minute to report an unreachable registry; keep a user's own setting.
  const retries =
    process.env.npm_config_fetch_retries === undefined
      ? ["--fetch-retries=1", "--fetch-retry-mintimeout=1000", "--fetch-retry-maxtimeout=5000"]
      : [];
  const args = ["pack", ...specs, "--pack-destination", destination, "--json", "--ignore-scripts", ...retries];
  const result = spawnSync("npm", args, {
    cwd: ROOT, // so a project .npmrc (registry, auth) applies
    encoding: "utf8",
    shell: process.platform === "win32",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error || result.status !== 0) {
    const reason = result.error?.message ?? npmError(result) ?? `npm exited with ${result.status}`;
    throw new VendorError(
      `Cannot download ${specs.join(", ")} from the npm registry (${registry()}): ${reason}. Check the network and npm's "registry" setting, then run \`npm run vendor\`.`,
    );
  }
  const packed = JSON.parse(result.stdout);
  return new Map(packed.map((entry) => [entry.name, join(destination, entry.filename)]));
}

/** The gist of a failed `npm pack --json`: its JSON error summary, else its `code` line. */
function npmError(result) {
  try {
    const summary = JSON.parse(result.stdout)?.error?.summary;
    if (typeof summary === "string" && summary !== "") return summary.split("\n")[0];
  } catch {
    // not JSON: read stderr instead
  }
  const lines = (result.stderr ?? "")
    .split("\n")
    .filter((line) => /^npm (error|ERR!)/.test(line) && !line.includes("complete log"))
    .map((line) => line.replace(/^npm (error|ERR!)\s*/, "").trim());
  return lines.find((line) => line.startsWith("code ")) ?? lines.at(-1);
}

let registryUrl;

/** npm's own `registry` setting (project .npmrc, user config, environment), without any credentials. */
function registry() {
  if (registryUrl !== undefined) return registryUrl;
  const result = spawnSync("npm", ["config", "get", "registry"], {
    cwd: ROOT,
    encoding: "utf8",
    shell: process.platform === "win32",
  });
  const configured = result.status === 0 ? result.stdout.trim() : "";
  try {
    const url = new URL(configured);
    url.username = "";
    url.password = "";
    registryUrl = url.href;
  } catch {
    registryUrl = "the registry npm is configured with";
  }
  return registryUrl;
}

/** Throws unless the tarball's sha512 is the pinned one. */
function verifyIntegrity(pkg, tarball) {
  const actual = `sha512-${createHash("sha512").update(readFileSync(tarball)).digest("base64")}`;
  if (actual !== pkg.integrity) {
    throw new VendorError(
      `Integrity mismatch for ${pkg.name}@${pkg.version}: expected ${pkg.integrity}, got ${actual}. The registry served a different tarball; not using it.`,
    );
  }
}

function tar(args) {
  const result = spawnSync("tar", args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (result.error || result.status !== 0) {
    throw new VendorError(`\`tar ${args.join(" ")}\` failed: ${result.error?.message ?? result.stderr.trim()}`);
  }
  return result.stdout;
}

/** Extracts the pinned files of `pkg` from its tarball into `staging`; returns the package folder. */
function extract(pkg, tarball, staging) {
  // npm tarballs hold one top folder, almost always `package/`.
  const root = tar(["-tzf", tarball]).split("\n")[0]?.split("/")[0] ?? "package";
  const target = mkdtempSync(join(staging, "pkg-"));
  tar(["-xzf", tarball, "-C", target, ...pkg.files.map((file) => `${root}/${file}`)]);
  const folder = join(target, root);
  for (const file of pkg.files) {
    if (!existsSync(join(folder, file))) throw new VendorError(`${pkg.name}@${pkg.version} has no file ${file}`);
  }
  return folder;
}

/** Sizes and sha256 of the files of a vendored package, for the manifest. */
function describeFiles(pkg) {
  const files = {};
  for (const file of pkg.files) {
    const bytes = readFileSync(join(folderOf(pkg), file));
    files[file] = { size: bytes.length, sha256: createHash("sha256").update(bytes).digest("hex") };
  }
  return files;
}

/** Replaces the package's folder in `vendor/` with the freshly extracted one. */
function install(pkg, folder) {
  const destination = folderOf(pkg);
  rmSync(destination, { recursive: true, force: true });
  mkdirSync(dirname(destination), { recursive: true });
  renameSync(folder, destination);
}

function fetchPackages(stale) {
  mkdirSync(VENDOR, { recursive: true });
  // Staging inside vendor/ keeps the final rename on one file system.
  const staging = mkdtempSync(join(VENDOR, ".staging-"));
  const downloads = mkdtempSync(join(tmpdir(), "bgcb-vendor-"));
  try {
    const tarballs = packTarballs(stale, downloads);
    const folders = stale.map((pkg) => {
      const tarball = tarballs.get(pkg.name);
      if (tarball === undefined) throw new VendorError(`npm pack did not return ${pkg.name}@${pkg.version}`);
      verifyIntegrity(pkg, tarball);
      return extract(pkg, tarball, staging);
    });
    for (const [index, pkg] of stale.entries()) install(pkg, folders[index]);
  } finally {
    rmSync(staging, { recursive: true, force: true });
    rmSync(downloads, { recursive: true, force: true });
  }
}

function writeManifest(previous) {
  const sections = { packages: {}, data: {} };
  for (const pkg of PACKAGES) {
    const kept = previousEntry(previous, pkg);
    const files = isCurrent(pkg, kept) ? kept.files : describeFiles(pkg);
    const licence = pkg.licence === undefined ? {} : { licence: pkg.licence };
    sections[sectionOf(pkg)][pkg.name] = { version: pkg.version, integrity: pkg.integrity, ...licence, files };
  }
  const totalBytes = [...Object.values(sections.packages), ...Object.values(sections.data)].reduce(
    (sum, entry) => sum + Object.values(entry.files).reduce((bytes, file) => bytes + file.size, 0),
    0,
  );
  const temporary = `${MANIFEST}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify({ format: FORMAT, totalBytes, ...sections }, null, 2)}\n`);
  renameSync(temporary, MANIFEST);
  return totalBytes;
}

/** The names an older manifest lists that this table no longer pins, with their folders. */
function unpinned(previous) {
  const pinned = new Set(PACKAGES.map((pkg) => `${sectionOf(pkg)}/${pkg.name}`));
  return ["packages", "data"].flatMap((section) =>
    Object.keys(previous?.[section] ?? {})
      .filter((name) => !pinned.has(`${section}/${name}`))
      .map((name) => (section === "data" ? join(VENDOR, "data", name) : join(VENDOR, name))),
  );
}

function main() {
  const started = performance.now();
  const force = process.argv.includes("--force");
  const previous = readManifest();
  const stale = PACKAGES.filter((pkg) => force || !isCurrent(pkg, previousEntry(previous, pkg)));
  const extra = unpinned(previous);
  if (stale.length === 0 && extra.length === 0) return;
  if (stale.length > 0) fetchPackages(stale);
  for (const folder of extra) rmSync(folder, { recursive: true, force: true });
  const totalBytes = writeManifest(force ? undefined : previous);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  log(
    `vendored ${stale.map((pkg) => `${pkg.name}@${pkg.version}`).join(", ") || "nothing new"}: ${(totalBytes / 1e6).toFixed(1)} MB in vendor/ (${seconds} s)`,
  );
}

try {
  main();
} catch (error) {
  log(error instanceof VendorError ? error.message : `failed: ${error?.stack ?? error}`);
  process.exit(1);
}
