import { scriptSafeJson } from "./respond.js";

/** What the index page needs. */
export interface IndexOptions {
  readonly title: string;
  readonly prefix: string;
  readonly config: Record<string, unknown>;
  readonly scripts: readonly string[];
}

const escapeHtml = (text: string): string =>
  text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;");

/** The index page Dash's renderer boots from: entry point, `_dash-config`, scripts, `new DashRenderer()`. */
export function indexHtml(options: IndexOptions): string {
  const scripts = options.scripts.map((src) => `<script src="${escapeHtml(src)}"></script>`).join("\n");
  return `<!DOCTYPE html>
<html>
<head>
<meta charset="UTF-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(options.title)}</title>
<link rel="icon" href="${escapeHtml(options.prefix)}_favicon.ico">
</head>
<body>
<div id="react-entry-point"><div class="_dash-loading">Loading...</div></div>
<footer>
<script id="_dash-config" type="application/json">${scriptSafeJson(options.config)}</script>
${scripts}
<script id="_dash-renderer" type="application/javascript">var renderer = new DashRenderer();</script>
</footer>
</body>
</html>
`;
}
