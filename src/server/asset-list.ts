/**
 * The files under `/_dash-component-suites/`, laid out as Dash serves them, and where each one
 * lives in `vendor/` (filled by `scripts/vendor-assets.mjs` from the pinned npm tarballs).
 */

/**
 * When the index page loads a file with a `<script>` tag:
 * - `always`: in both modes;
 * - `prod` / `dev`: only without / with `dev` (Dash's `props_check` + `serve_dev_bundles`);
 * - `dynamic`: never; the front end fetches it itself (async chunks, source maps, plotly.js).
 */
export type AssetRole = "always" | "prod" | "dev" | "dynamic";

/** One servable file: its URL path after `_dash-component-suites/` and its vendored source. */
export interface AssetEntry {
  /** URL path after `_dash-component-suites/`, without fingerprint, e.g. `dash/deps/react@18.3.1.min.js`. */
  readonly url: string;
  /** npm package name; the file lives in `vendor/<pkg>/`. */
  readonly pkg: string;
  /** Path inside the package. */
  readonly file: string;
  readonly role: AssetRole;
}

/** The package versions the table is written for; `vendor/manifest.json` must list the same. */
export const PACKAGE_VERSIONS: Readonly<Record<string, string>> = {
  "@babel/polyfill": "7.12.1",
  react: "18.3.1",
  "react-dom": "18.3.1",
  "prop-types": "15.8.1",
  "dash-renderer": "3.4.1",
  "dash-html-components": "4.5.0",
  "dash-core-components": "4.5.0",
  "plotly.js-dist-min": "3.7.0",
  "dash-table": "7.4.1",
};

const entry = (url: string, pkg: string, file: string, role: AssetRole): AssetEntry => ({ url, pkg, file, role });

const DCC = "dash-core-components";
const DCC_DIR = "dash_core_components";
// dcc's async chunks (its `async_resources`); dcc 4.5.0 ships no source map for mathjax.
const DCC_CHUNKS = ["datepicker", "dropdown", "graph", "highlight", "markdown", "mathjax", "slider", "upload"] as const;
const DCC_MAPLESS: ReadonlySet<string> = new Set(["mathjax"]);

function dccChunks(): AssetEntry[] {
  return DCC_CHUNKS.flatMap((chunk) => {
    const js = entry(`dash/dcc/async-${chunk}.js`, DCC, `${DCC_DIR}/async-${chunk}.js`, "dynamic");
    if (DCC_MAPLESS.has(chunk)) return [js];
    return [js, entry(`${js.url}.map`, DCC, `${js.file}.map`, "dynamic")];
  });
}

const TABLE = "dash-table";
// The DataTable loads its grid, its export and its syntax highlighting as async chunks.
const TABLE_CHUNKS = ["export", "highlight", "table"] as const;

function tableChunks(): AssetEntry[] {
  return TABLE_CHUNKS.flatMap((chunk) => {
    const js = entry(`dash/dash_table/async-${chunk}.js`, TABLE, `dash_table/async-${chunk}.js`, "dynamic");
    return [js, entry(`${js.url}.map`, TABLE, `${js.file}.map`, "dynamic")];
  });
}

/**
 * Every servable file, with the `<script>` files in page order (Dash's `_generate_scripts_html`):
 * React and its polyfills, then the renderer, then dcc, html and dash_table.
 */
export const ASSET_TABLE: readonly AssetEntry[] = [
  entry("dash/deps/polyfill@7.12.1.min.js", "@babel/polyfill", "dist/polyfill.min.js", "always"),
  entry("dash/deps/react@18.3.1.min.js", "react", "umd/react.production.min.js", "prod"),
  entry("dash/deps/react@18.3.1.js", "react", "umd/react.development.js", "dev"),
  entry("dash/deps/react-dom@18.3.1.min.js", "react-dom", "umd/react-dom.production.min.js", "prod"),
  entry("dash/deps/react-dom@18.3.1.js", "react-dom", "umd/react-dom.development.js", "dev"),
  entry("dash/deps/prop-types@15.8.1.min.js", "prop-types", "prop-types.min.js", "prod"),
  entry("dash/deps/prop-types@15.8.1.js", "prop-types", "prop-types.js", "dev"),
  entry("dash/dash-renderer/build/dash_renderer.min.js", "dash-renderer", "build/dash_renderer.min.js", "prod"),
  entry("dash/dash-renderer/build/dash_renderer.dev.js", "dash-renderer", "build/dash_renderer.dev.js", "dev"),
  entry("dash/dash-renderer/build/dash-ws-worker.js", "dash-renderer", "build/dash-ws-worker.js", "dynamic"),
  entry("dash/dcc/dash_core_components.js", DCC, `${DCC_DIR}/dash_core_components.js`, "always"),
  entry("dash/dcc/dash_core_components.js.map", DCC, `${DCC_DIR}/dash_core_components.js.map`, "dynamic"),
  entry("dash/dcc/dash_core_components-shared.js", DCC, `${DCC_DIR}/dash_core_components-shared.js`, "always"),
  entry("dash/dcc/dash_core_components-shared.js.map", DCC, `${DCC_DIR}/dash_core_components-shared.js.map`, "dynamic"),
  entry("dash/dcc/proptypes.js", DCC, `${DCC_DIR}/proptypes.js`, "dev"),
  ...dccChunks(),
  entry(
    "dash/html/dash_html_components.min.js",
    "dash-html-components",
    "dash_html_components/dash_html_components.min.js",
    "always",
  ),
  entry(
    "dash/html/dash_html_components.min.js.map",
    "dash-html-components",
    "dash_html_components/dash_html_components.min.js.map",
    "dynamic",
  ),
  entry("dash/dash_table/bundle.js", TABLE, "dash_table/bundle.js", "always"),
  entry("dash/dash_table/bundle.js.map", TABLE, "dash_table/bundle.js.map", "dynamic"),
  ...tableChunks(),
  // dcc.Graph loads this lazily from `window._dashPlotlyJSURL`, which the renderer sets without a fingerprint.
  entry("plotly/package_data/plotly.min.js", "plotly.js-dist-min", "plotly.min.js", "dynamic"),
];

/** {@link ASSET_TABLE} by URL path; a path that is not a key is never served. */
export const ASSETS_BY_URL: ReadonlyMap<string, AssetEntry> = new Map(ASSET_TABLE.map((asset) => [asset.url, asset]));

const CACHE_PART = /^v[\w-]+m[0-9a-fA-F]+$/;

/**
 * Inserts a Dash fingerprint after the first dot of the file name, as Dash's `build_fingerprint`:
 * `deps/react@18.3.1.min.js` → `deps/react@18.v18_3_1m1a2b.3.1.min.js`.
 */
export function addFingerprint(path: string, version: string, hash: string): string {
  const slash = path.lastIndexOf("/");
  const dot = path.indexOf(".", slash + 1);
  if (dot === -1) return path;
  const cleanVersion = version.replace(/[^\w-]/g, "_");
  return `${path.slice(0, dot)}.v${cleanVersion}m${hash}${path.slice(dot)}`;
}

/**
 * Removes a fingerprint (second dot-part of the file name matching `^v[\w-]+m[0-9a-fA-F]+$`), as
 * Dash's `check_fingerprint`; any version is accepted, since dcc's chunks carry build-time ones.
 */
export function stripFingerprint(path: string): { readonly path: string; readonly fingerprinted: boolean } {
  const slash = path.lastIndexOf("/");
  const parts = path.slice(slash + 1).split(".");
  if (parts.length <= 2 || !CACHE_PART.test(parts[1] as string)) return { path, fingerprinted: false };
  const name = [parts[0], ...parts.slice(2)].join(".");
  return { path: `${path.slice(0, slash + 1)}${name}`, fingerprinted: true };
}
