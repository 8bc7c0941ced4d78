import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { isErrorCode } from "../../src/errors.js";
import { ASSET_TABLE, addFingerprint, stripFingerprint } from "../../src/server/asset-list.js";
import { createAssets, scriptUrls, serveAsset } from "../../src/server/assets.js";

const SUITES = "/_dash-component-suites/";
const vendorDir = fileURLToPath(new URL("../../vendor", import.meta.url));

interface Manifest {
  packages: Record<string, { version: string; files: Record<string, { size: number }> }>;
}
const manifest = (): Manifest => JSON.parse(readFileSync(join(vendorDir, "manifest.json"), "utf8")) as Manifest;

const get = (path: string, headers: Record<string, string> = {}, method = "GET"): Promise<Response> =>
  serveAsset(path, new Request(`http://localhost${SUITES}${path}`, { method, headers }));

const afterSuites = (url: string): string => url.slice(url.indexOf(SUITES) + SUITES.length);

describe("the table of served files", () => {
  it("serves exactly the files vendor/ holds", () => {
    const registered = ASSET_TABLE.map((asset) => `${asset.pkg}/${asset.file}`).sort();
    const vendored = Object.entries(manifest().packages)
      .flatMap(([pkg, entry]) => Object.keys(entry.files).map((file) => `${pkg}/${file}`))
      .sort();
    expect(registered).toEqual(vendored);
  });

  it("serves every registered file with its type and its whole body", async () => {
    const packages = manifest().packages;
    for (const asset of ASSET_TABLE) {
      const response = await get(asset.url);
      expect(response.status, asset.url).toBe(200);
      const type = asset.url.endsWith(".map") ? "application/json" : "application/javascript; charset=utf-8";
      expect(response.headers.get("content-type"), asset.url).toBe(type);
      const bytes = new Uint8Array(await response.arrayBuffer());
      expect(bytes.byteLength, asset.url).toBeGreaterThan(0);
      expect(bytes.byteLength, asset.url).toBe(packages[asset.pkg]?.files[asset.file]?.size);
    }
  });

  it("answers HEAD with the headers and no body", async () => {
    const response = await get("dash/deps/react@18.3.1.min.js", {}, "HEAD");
    expect(response.status).toBe(200);
    expect(response.body).toBeNull();
    expect(Number(response.headers.get("content-length"))).toBeGreaterThan(0);
    expect(response.headers.get("etag")).toMatch(/^"[\w-]+"$/);
  });

  it("refuses other methods with 405", async () => {
    const response = await get("dash/deps/react@18.3.1.min.js", {}, "POST");
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("GET, HEAD");
  });

  it("decodes percent-encoded paths", async () => {
    expect((await get("dash/deps/react%4018.3.1.min.js")).status).toBe(200);
  });
});

describe("fingerprints", () => {
  it("builds and removes them as Dash does (after the first dot of the name)", () => {
    expect(addFingerprint("dash/deps/react@18.3.1.min.js", "18.3.1", "1a2b")).toBe(
      "dash/deps/react@18.v18_3_1m1a2b.3.1.min.js",
    );
    expect(addFingerprint("dash/dash-renderer/build/dash_renderer.min.js", "3.4.1-rc.1", "99")).toBe(
      "dash/dash-renderer/build/dash_renderer.v3_4_1-rc_1m99.min.js",
    );
    for (const asset of ASSET_TABLE) {
      expect(stripFingerprint(addFingerprint(asset.url, "1.2.3", "abc123"))).toEqual({
        path: asset.url,
        fingerprinted: true,
      });
      expect(stripFingerprint(asset.url)).toEqual({ path: asset.url, fingerprinted: false });
    }
    expect(stripFingerprint("dash/x.vm12.js").fingerprinted).toBe(false);
    expect(stripFingerprint("dash/x.v1mxyz.js").fingerprinted).toBe(false);
  });

  it("serves a fingerprinted renderer URL as the plain file, cached for a year", async () => {
    const plain = await (await get("dash/dash-renderer/build/dash_renderer.min.js")).arrayBuffer();
    const response = await get("dash/dash-renderer/build/dash_renderer.v3_4_1m1753100000.min.js");
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(response.headers.get("etag")).toBeNull();
    expect(Buffer.from(await response.arrayBuffer()).equals(Buffer.from(plain))).toBe(true);
  });

  it("serves dcc async chunks whatever build-time version they carry", async () => {
    for (const path of ["dash/dcc/async-graph.v9_9_9-dev3m1758529962.js", "dash/dcc/async-dropdown.v0m0.js.map"]) {
      const response = await get(path);
      expect(response.status, path).toBe(200);
      expect(response.headers.get("cache-control"), path).toBe("public, max-age=31536000, immutable");
    }
  });

  it("gives unfingerprinted URLs an ETag and answers a matching If-None-Match with 304", async () => {
    const path = "plotly/package_data/plotly.min.js";
    const first = await get(path);
    const etag = first.headers.get("etag") as string;
    expect(etag).toMatch(/^"[\w-]+"$/);
    expect(first.headers.get("cache-control")).toBe("no-cache");
    for (const header of [etag, `W/${etag}`, `"other", ${etag}`, "*"]) {
      const again = await get(path, { "If-None-Match": header });
      expect(again.status, header).toBe(304);
      expect(again.body, header).toBeNull();
      expect(again.headers.get("etag"), header).toBe(etag);
    }
    expect((await get(path, { "If-None-Match": '"stale"' })).status).toBe(200);
  });
});

describe("paths that are not served", () => {
  const refused = [
    "",
    "dash",
    "dash/",
    "dash/dcc/async-nothing.js",
    "dash/deps/react@18.2.0.min.js",
    "dash/dcc/async-mathjax.js.map",
    "dash_table/bundle.js",
    "evil/dash/deps/react@18.3.1.min.js",
    "plotly/plotly.min.js",
    "dash/../../package.json",
    "dash/deps/../../../vendor/manifest.json",
    "dash/deps/..%2f..%2f..%2fpackage.json",
    "%2e%2e/%2e%2e/vendor/manifest.json",
    "dash/dcc/%2E%2E/%2E%2E/%2E%2E/package.json",
    "..%5c..%5cpackage.json",
    "%2fetc%2fpasswd",
    "dash/deps/react@18.3.1.min.js%00.map",
    "dash/deps/react@18.3.1.min.js/",
    "dash/dcc/async-graph.v1m1/../../../../package.json",
    "react/umd/react.production.min.js",
    "%E0%A4%A",
  ];

  it.each(refused)("404 for %j", async (path) => {
    const response = await get(path);
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toContain("text/plain");
    expect(await response.text()).toContain("not a registered file");
  });
});

describe("scriptUrls", () => {
  const strip = (urls: string[]): string[] => urls.map((url) => stripFingerprint(afterSuites(url)).path);

  it("lists React and its polyfills, then the renderer, then dcc, html and dash_table", () => {
    expect(strip(scriptUrls("/"))).toEqual([
      "dash/deps/polyfill@7.12.1.min.js",
      "dash/deps/react@18.3.1.min.js",
      "dash/deps/react-dom@18.3.1.min.js",
      "dash/deps/prop-types@15.8.1.min.js",
      "dash/dash-renderer/build/dash_renderer.min.js",
      "dash/dcc/dash_core_components.js",
      "dash/dcc/dash_core_components-shared.js",
      "dash/html/dash_html_components.min.js",
      "dash/dash_table/bundle.js",
    ]);
    expect(strip(scriptUrls("/", { dev: true }))).toEqual([
      "dash/deps/polyfill@7.12.1.min.js",
      "dash/deps/react@18.3.1.js",
      "dash/deps/react-dom@18.3.1.js",
      "dash/deps/prop-types@15.8.1.js",
      "dash/dash-renderer/build/dash_renderer.dev.js",
      "dash/dcc/dash_core_components.js",
      "dash/dcc/dash_core_components-shared.js",
      "dash/dcc/proptypes.js",
      "dash/html/dash_html_components.min.js",
      "dash/dash_table/bundle.js",
    ]);
  });

  it("fingerprints every URL with the package version and a content hash", () => {
    const urls = scriptUrls("/app/");
    expect(urls[1]).toMatch(
      /^\/app\/_dash-component-suites\/dash\/deps\/react@18\.v18_3_1m[0-9a-f]{12}\.3\.1\.min\.js$/,
    );
    expect(urls[4]).toMatch(/dash_renderer\.v3_4_1m[0-9a-f]{12}\.min\.js$/);
    expect(scriptUrls("/app")).toEqual(urls);
    for (const url of urls) expect(stripFingerprint(afterSuites(url)).fingerprinted, url).toBe(true);
  });

  it("returns only URLs that are served, with a year-long cache", async () => {
    for (const url of [...scriptUrls("/"), ...scriptUrls("/", { dev: true })]) {
      const response = await get(afterSuites(url));
      expect(response.status, url).toBe(200);
      expect(response.headers.get("cache-control"), url).toBe("public, max-age=31536000, immutable");
    }
  });
});

describe("a missing or outdated vendor folder", () => {
  const empty = mkdtempSync(join(tmpdir(), "bgcb-assets-"));
  afterAll(() => rmSync(empty, { recursive: true, force: true }));

  it("fails with DEPENDENCY_MISSING and says to run `npm run vendor`", async () => {
    const assets = createAssets({ vendorDir: join(empty, "vendor") });
    let thrown: unknown;
    try {
      assets.scriptUrls("/");
    } catch (error) {
      thrown = error;
    }
    expect(isErrorCode(thrown, "DEPENDENCY_MISSING")).toBe(true);
    expect((thrown as Error).message).toContain("npm run vendor");
    const served = assets.serve("dash/deps/react@18.3.1.min.js", new Request("http://localhost/"));
    await expect(served).rejects.toMatchObject({ code: "DEPENDENCY_MISSING" });
    // Unregistered paths are refused without looking at the folder.
    expect((await assets.serve("nope.js", new Request("http://localhost/"))).status).toBe(404);
  });

  it("fails with DEPENDENCY_MISSING when manifest.json lists other versions", () => {
    const dir = join(empty, "outdated");
    mkdirSync(dir, { recursive: true });
    const old = manifest();
    (old.packages.react as { version: string }).version = "18.2.0";
    writeFileSync(join(dir, "manifest.json"), JSON.stringify(old));
    expect(() => createAssets({ vendorDir: dir }).scriptUrls("/")).toThrow(/out of date.*npm run vendor/);
  });
});
