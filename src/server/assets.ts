/**
 * Serves the Dash front end (renderer, React, dcc, html, plotly.js) under
 * `/_dash-component-suites/`, from the files `npm run vendor` puts in `vendor/`.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { BackgroundCallbackError } from "../errors.js";
import { compress, type Encoding, encodedEtag, MIN_COMPRESS_BYTES, negotiate } from "./asset-encoding.js";
import {
  ASSET_TABLE,
  ASSETS_BY_URL,
  type AssetEntry,
  addFingerprint,
  PACKAGE_VERSIONS,
  stripFingerprint,
} from "./asset-list.js";
import { errorText } from "./respond.js";

const SUITES = "_dash-component-suites/";
const YEAR_CACHE = "public, max-age=31536000, immutable";
const FIX =
  "Run `npm run vendor` in the background-callbacks folder to download the Dash front end from the npm registry";

/** Options of {@link scriptUrls}. */
export interface ScriptOptions {
  /**
   * Development bundles: React's development builds, `dash_renderer.dev.js` and dcc's PropTypes,
   * as Dash serves with `debug=True` (`props_check` and `serve_dev_bundles`).
   * @default false
   */
  readonly dev?: boolean;
}

/** Options of {@link createAssets}. */
export interface AssetOptions {
  /**
   * The folder `npm run vendor` fills (holds `manifest.json`).
   * @default the first holding a `manifest.json` of `<package root>/vendor/` (seen from `dist/` or `src/server/`) and `dist/vendor/`
   */
  readonly vendorDir?: string;
}

/** The front-end files of one vendor folder: script tags for the index page and a request handler. */
export interface Assets {
  /** See {@link scriptUrls}. */
  scriptUrls(prefix: string, options?: ScriptOptions): string[];
  /** See {@link serveAsset}. */
  serve(pathAfterSuites: string, request: Request): Promise<Response>;
}

interface ManifestPackage {
  readonly version: string;
  readonly files: Readonly<Record<string, { readonly size: number; readonly sha256: string }>>;
}

interface Vendor {
  readonly dir: string;
  readonly packages: Readonly<Record<string, ManifestPackage>>;
}

interface LoadedFile {
  readonly bytes: Uint8Array;
  readonly etag: string;
  /** The compressed codings made so far; a coding that does not shrink the file holds the identity bytes. */
  readonly encoded: Map<Exclude<Encoding, "identity">, Promise<Uint8Array>>;
}

/** One coding of a file, ready to send. */
interface Variant {
  readonly coding: Encoding;
  readonly bytes: Uint8Array;
  readonly etag: string;
}

/** Where the vendor folder may be, relative to this module in the build (`dist/`) or the source tree (`src/server/`). */
function vendorCandidates(): string[] {
  const here = dirname(fileURLToPath(import.meta.url));
  // Build layouts first: from dist/, `../../vendor` would be a folder beside the installed package.
  return [join(here, "..", "vendor"), join(here, "vendor"), join(here, "..", "..", "vendor")];
}

function missing(message: string, cause?: unknown): BackgroundCallbackError {
  return new BackgroundCallbackError("DEPENDENCY_MISSING", `[background-callbacks:assets] ${message}. ${FIX}`, {
    cause,
  });
}

/** Reads `manifest.json` and checks it lists every file of the table at the expected version. */
function loadVendor(dirs: readonly string[]): Vendor {
  const dir = dirs.find((candidate) => existsSync(join(candidate, "manifest.json")));
  if (dir === undefined) {
    throw missing(`The Dash front-end files are missing: no manifest.json in ${dirs.map((d) => `"${d}"`).join(", ")}`);
  }
  let packages: Record<string, ManifestPackage>;
  try {
    packages = (
      JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as { packages: Record<string, ManifestPackage> }
    ).packages;
  } catch (error) {
    throw missing(`Cannot read "${join(dir, "manifest.json")}"`, error);
  }
  for (const asset of ASSET_TABLE) {
    const found = packages?.[asset.pkg];
    if (
      found === undefined ||
      found.version !== PACKAGE_VERSIONS[asset.pkg] ||
      found.files?.[asset.file] === undefined
    ) {
      throw missing(`"${dir}" is out of date: it lacks ${asset.pkg}@${PACKAGE_VERSIONS[asset.pkg]} ${asset.file}`);
    }
  }
  return { dir, packages };
}

function contentType(path: string): string {
  return path.endsWith(".map") ? "application/json" : "application/javascript; charset=utf-8";
}

/** Whether an `If-None-Match` header names `etag` (weak or strong) or is `*`. */
function matchesEtag(header: string | null, etag: string): boolean {
  if (header === null) return false;
  return header.split(",").some((tag) => {
    const trimmed = tag.trim();
    return trimmed === "*" || trimmed.replace(/^W\//, "") === etag;
  });
}

/** Decodes the URL path and removes a fingerprint; `undefined` when it is not a registered file. */
function resolve(pathAfterSuites: string): { asset: AssetEntry; fingerprinted: boolean } | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathAfterSuites);
  } catch {
    return undefined;
  }
  const { path, fingerprinted } = stripFingerprint(decoded);
  // Only exact keys of the table are served: no path from the URL ever reaches the file system.
  const asset = ASSETS_BY_URL.get(path);
  return asset === undefined ? undefined : { asset, fingerprinted };
}

/** The fingerprinted script paths of one mode, in page order. */
function scriptPaths(vendor: Vendor, dev: boolean): string[] {
  const wanted = dev ? "dev" : "prod";
  return ASSET_TABLE.filter((asset) => asset.role === "always" || asset.role === wanted).map((asset) => {
    const pkg = vendor.packages[asset.pkg] as ManifestPackage;
    const hash = pkg.files[asset.file]?.sha256 ?? "0";
    return addFingerprint(asset.url, pkg.version, hash.slice(0, 12));
  });
}

class VendorAssets implements Assets {
  readonly #dirs: readonly string[];
  #vendor: Vendor | undefined;
  readonly #files = new Map<string, Promise<LoadedFile>>();
  readonly #scripts = new Map<boolean, readonly string[]>();

  constructor(options: AssetOptions) {
    this.#dirs = options.vendorDir === undefined ? vendorCandidates() : [options.vendorDir];
  }

  // Not cached on failure, so a server started before `npm run vendor` recovers without a restart.
  #load(): Vendor {
    this.#vendor ??= loadVendor(this.#dirs);
    return this.#vendor;
  }

  scriptUrls(prefix: string, options: ScriptOptions = {}): string[] {
    const dev = options.dev === true;
    let paths = this.#scripts.get(dev);
    if (paths === undefined) {
      paths = scriptPaths(this.#load(), dev);
      this.#scripts.set(dev, paths);
    }
    const base = prefix.endsWith("/") ? prefix : `${prefix}/`;
    return paths.map((path) => `${base}${SUITES}${path}`);
  }

  async serve(pathAfterSuites: string, request: Request): Promise<Response> {
    if (request.method !== "GET" && request.method !== "HEAD") {
      const refused = errorText(405, `${request.method} is not allowed on ${SUITES}; use GET or HEAD`);
      refused.headers.set("Allow", "GET, HEAD");
      return refused;
    }
    const found = resolve(pathAfterSuites);
    if (found === undefined) {
      return errorText(404, `Not found: "${pathAfterSuites.slice(0, 200)}" is not a registered file of ${SUITES}`);
    }
    const variant = await this.#variant(await this.#read(found.asset), request.headers.get("accept-encoding"));
    const headers = new Headers({
      "Content-Type": contentType(found.asset.url),
      "X-Content-Type-Options": "nosniff",
      Vary: "Accept-Encoding",
    });
    if (variant.coding !== "identity") headers.set("Content-Encoding", variant.coding);
    if (found.fingerprinted) {
      headers.set("Cache-Control", YEAR_CACHE);
    } else {
      headers.set("ETag", variant.etag);
      headers.set("Cache-Control", "no-cache");
      if (matchesEtag(request.headers.get("if-none-match"), variant.etag)) {
        headers.delete("Content-Encoding");
        return new Response(null, { status: 304, headers });
      }
    }
    headers.set("Content-Length", String(variant.bytes.byteLength));
    return new Response(request.method === "HEAD" ? null : variant.bytes, { status: 200, headers });
  }

  /** The coding `acceptEncoding` asks for, compressed on its first request and then kept. */
  async #variant(file: LoadedFile, acceptEncoding: string | null): Promise<Variant> {
    const coding = negotiate(acceptEncoding);
    if (coding === "identity" || file.bytes.byteLength < MIN_COMPRESS_BYTES) {
      return { coding: "identity", bytes: file.bytes, etag: file.etag };
    }
    let pending = file.encoded.get(coding);
    if (pending === undefined) {
      pending = compress(file.bytes, coding).then(
        (bytes) => (bytes.byteLength < file.bytes.byteLength ? bytes : file.bytes),
        // A coding that fails is never tried again for this file: identity serves every client.
        () => file.bytes,
      );
      file.encoded.set(coding, pending);
    }
    const bytes = await pending;
    return bytes === file.bytes
      ? { coding: "identity", bytes, etag: file.etag }
      : { coding, bytes, etag: encodedEtag(file.etag, coding) };
  }

  /** The bytes of a file, read on first use and then kept in memory. */
  #read(asset: AssetEntry): Promise<LoadedFile> {
    let pending = this.#files.get(asset.url);
    if (pending === undefined) {
      const { dir } = this.#load();
      pending = readFile(join(dir, asset.pkg, asset.file)).then(
        (bytes) => ({
          bytes,
          etag: `"${createHash("sha256").update(bytes).digest("base64url").slice(0, 27)}"`,
          encoded: new Map(),
        }),
        (error: unknown) => {
          this.#files.delete(asset.url);
          throw missing(`Cannot read ${asset.pkg} ${asset.file} in "${dir}"`, error);
        },
      );
      this.#files.set(asset.url, pending);
    }
    return pending;
  }
}

/**
 * The front-end files of a vendor folder. {@link scriptUrls} and {@link serveAsset} use one
 * shared instance on the default folder; create another to serve a folder elsewhere.
 *
 * @example
 * ```ts
 * const assets = createAssets({ vendorDir: "/opt/app/vendor" });
 * const html = assets.scriptUrls("/").map((src) => `<script src="${src}"></script>`).join("\n");
 * ```
 */
export function createAssets(options: AssetOptions = {}): Assets {
  return new VendorAssets(options);
}

let shared: Assets | undefined;
const sharedAssets = (): Assets => {
  shared ??= createAssets();
  return shared;
};

/**
 * The `<script src>` URLs of the index page, in Dash's order: polyfill, React, ReactDOM,
 * PropTypes, the renderer, dcc, html. Each carries a Dash fingerprint
 * (`name.v<version>m<hash>.ext`), so browsers may cache it for a year.
 *
 * @param prefix the `requests_pathname_prefix`, e.g. `/` or `/app/`
 * @throws {BackgroundCallbackError} `DEPENDENCY_MISSING` when `vendor/` is missing or out of date
 */
export function scriptUrls(prefix: string, options?: ScriptOptions): string[] {
  return sharedAssets().scriptUrls(prefix, options);
}

/**
 * Answers `GET`/`HEAD /_dash-component-suites/<pathAfterSuites>`: removes any Dash fingerprint,
 * serves only files of the table (404 otherwise), with a year-long cache for fingerprinted URLs
 * and an `ETag` (304 on `If-None-Match`) for the others. Brotli or gzip by `Accept-Encoding`
 * (q-values honoured, identity otherwise), each compressed once on its first request and kept in
 * memory; `Vary: Accept-Encoding` always, and an `ETag` per coding.
 *
 * @param pathAfterSuites the URL path after `_dash-component-suites/`, still percent-encoded
 * @throws {BackgroundCallbackError} `DEPENDENCY_MISSING` (as a rejection) when a registered file cannot be read from `vendor/`
 */
export function serveAsset(pathAfterSuites: string, request: Request): Promise<Response> {
  return sharedAssets().serve(pathAfterSuites, request);
}
