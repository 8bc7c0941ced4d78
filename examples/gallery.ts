/**
 * `npm start`: every example at once behind one port, with a front page that introduces them.
 * Each example runs as its own process (as it would alone) under `/<name>/`; this process serves
 * the front page and each example's source under `/source/<name>.ts`, and forwards the rest.
 * The examples use the QueueManager when `REDIS_URL` is set (start workers with
 * `npx background-callbacks worker examples/<name>.ts`), the embedded DiskManager otherwise.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { createServer, type IncomingMessage, request, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";

interface Example {
  readonly name: string;
  readonly title: string;
  readonly story: string;
}

const examples: readonly Example[] = [
  {
    name: "simple",
    title: "A slow job",
    story: "A button starts a two-second job; its result replaces the paragraph.",
  },
  {
    name: "disable-button",
    title: "Busy button",
    story: "While the job runs, the button that started it is disabled, so nobody clicks twice.",
  },
  {
    name: "cancel",
    title: "Cancel",
    story: "A second button cancels the running job; each button is enabled only when it can act.",
  },
  {
    name: "progress-bar",
    title: "Progress bar",
    story: "An html.Progress bar follows the job's five steps, live, and the job can be cancelled.",
  },
  {
    name: "progress-graph",
    title: "Progress graph",
    story: "A plotly bar in a dcc.Graph advances with the job and empties when it ends or is cancelled.",
  },
  {
    name: "set-props",
    title: "Live table",
    story: "A job started with the page streams gapminder rows into a paginated DataTable, 100 at a time.",
  },
  {
    name: "queue-position",
    title: "Queue position",
    story:
      "One job at a time: open it in three tabs and click in each; every tab shows its place in line, then its progress. Its Prometheus metrics are at _dash-metrics.",
  },
];

/** Which manager the examples run on, as `examples/manager.ts` decides. */
const onQueue = Boolean(process.env.REDIS_URL);
const managerName = onQueue ? "QueueManager" : "DiskManager";
const managerNote = onQueue
  ? "Jobs go through Redis (<code>REDIS_URL</code>) to queue workers: start them with <code>npx background-callbacks worker examples/&lt;name&gt;.ts</code>."
  : "Jobs run on worker processes of each example, recorded in a local SQLite file. Set <code>REDIS_URL</code> to run them on the QueueManager and queue workers instead.";

const children: ChildProcess[] = [];
const ports = new Map<string, number>();

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

async function startExample(name: string): Promise<void> {
  const port = await freePort();
  const file = fileURLToPath(new URL(`./${name}.ts`, import.meta.url));
  const child = spawn(process.execPath, [...process.execArgv, file], {
    env: { ...process.env, PORT: String(port), HOST: "127.0.0.1", DASH_URL_BASE_PATHNAME: `/${name}/` },
    stdio: ["ignore", "pipe", "inherit"],
  });
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("Dash is running")) resolve();
    });
    child.once("exit", (code) => reject(new Error(`example ${name} exited with code ${code}`)));
  });
  ports.set(name, port);
}

const STYLE = `
:root{--ink:#1d2330;--muted:#5b6475;--line:#e3e6ee;--accent:#3157d5;--bg:#f6f7fb}
*{box-sizing:border-box}
body{margin:0;font:16px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);background:var(--bg)}
header{background:#fff;border-bottom:1px solid var(--line)}
.wrap{max-width:1040px;margin:0 auto;padding:0 24px}
header .wrap{padding-top:56px;padding-bottom:44px}
h1{margin:0 0 12px;font-size:40px;letter-spacing:-.02em}
.pitch{max-width:760px;margin:0 0 20px;font-size:19px;color:var(--muted)}
.manager{display:inline-flex;gap:10px;align-items:baseline;max-width:760px;padding:10px 14px;border:1px solid var(--line);border-radius:10px;background:var(--bg);font-size:14px;color:var(--muted)}
.badge{flex:none;padding:2px 8px;border-radius:999px;background:var(--accent);color:#fff;font-weight:600;font-size:12px}
code{font:13px/1.4 ui-monospace,SFMono-Regular,Menlo,monospace;background:#eef0f6;padding:1px 5px;border-radius:4px}
main{padding:40px 0 64px}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:20px}
.card{display:flex;flex-direction:column;padding:22px;background:#fff;border:1px solid var(--line);border-radius:14px;box-shadow:0 1px 2px rgba(20,30,60,.04)}
.card h2{margin:0 0 6px;font-size:19px}
.card p{margin:0 0 18px;color:var(--muted);flex:1}
.meta{display:flex;gap:8px;align-items:center;justify-content:space-between;font-size:13px;color:var(--muted)}
.meta code{white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.pill{flex:none;padding:2px 9px;border-radius:999px;background:#eef2ff;color:var(--accent);font-weight:600;font-size:12px;white-space:nowrap}
.actions{display:flex;gap:10px;margin-top:14px}
.actions a{padding:8px 14px;border-radius:8px;text-decoration:none;font-weight:600;font-size:14px}
.open{background:var(--accent);color:#fff}
.open:hover{background:#2446b8}
.source{color:var(--accent);border:1px solid var(--line)}
.source:hover{border-color:var(--accent)}
footer{padding:0 0 40px;color:var(--muted);font-size:14px}
`;

function card(example: Example): string {
  return `<article class="card" id="${example.name}">
<h2>${example.title}</h2>
<p>${example.story}</p>
<div class="meta"><code>${example.name}.ts</code><span class="pill" title="The manager this example runs on">on ${managerName}</span></div>
<div class="actions"><a class="open" href="/${example.name}/">Open the example</a><a class="source" href="/source/${example.name}.ts">Source</a></div>
</article>`;
}

function frontPage(): string {
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>background-callbacks — examples</title><style>${STYLE}</style></head>
<body><header><div class="wrap">
<h1>background-callbacks</h1>
<p class="pitch">Dash's background callbacks for Node.js: a slow callback runs on a worker process, not in
the web server, while the page shows its progress, takes live updates and can cancel it. The real Dash
front end talks to a TypeScript server, with jobs on a local SQLite file or on Redis and BullMQ.</p>
<div class="manager"><span class="badge">${managerName}</span><span>${managerNote}</span></div>
</div></header>
<main><div class="wrap"><div class="grid">
${examples.map(card).join("\n")}
</div></div></main>
<footer><div class="wrap">Each example is a standalone app: <code>npx tsx examples/&lt;name&gt;.ts</code> runs it alone.</div></footer>
</body></html>`;
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, {
    "Content-Type": type,
    "Content-Length": Buffer.byteLength(body),
    "Cache-Control": "no-cache",
  });
  res.end(body);
}

/** `/source/<name>.ts` of a listed example, as text; only those names, so no URL reaches another file. */
async function sendSource(res: ServerResponse, path: string): Promise<void> {
  const example = examples.find((entry) => path === `/source/${entry.name}.ts`);
  if (example === undefined) return send(res, 404, "text/plain; charset=utf-8", "No such example\n");
  const text = await readFile(fileURLToPath(new URL(`./${example.name}.ts`, import.meta.url)), "utf8");
  send(res, 200, "text/plain; charset=utf-8", text);
}

function forward(req: IncomingMessage, res: ServerResponse, name: string, port: number): void {
  const upstream = request(
    { host: "127.0.0.1", port, path: req.url, method: req.method, headers: req.headers },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  upstream.on("error", () => send(res, 502, "text/plain; charset=utf-8", `The ${name} example is not answering\n`));
  req.pipe(upstream);
}

const server = createServer((req, res) => {
  const path = (req.url ?? "/").split("?")[0] ?? "/";
  const name = path.split("/")[1] ?? "";
  const port = ports.get(name);
  if (port !== undefined) return forward(req, res, name, port);
  if (path.startsWith("/source/")) {
    sendSource(res, path).catch(() => send(res, 500, "text/plain; charset=utf-8", "Cannot read the source\n"));
    return;
  }
  if (path === "/") return send(res, 200, "text/html; charset=utf-8", frontPage());
  send(res, 404, "text/plain; charset=utf-8", "Not found: the examples are listed at /\n");
});

function stop(): void {
  for (const child of children) child.kill("SIGTERM");
  server.close();
}
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    stop();
    process.exit(0);
  });
}
process.on("exit", stop);

await Promise.all(examples.map(({ name }) => startExample(name)));
const host = process.env.HOST ?? "127.0.0.1";
server.listen(Number(process.env.PORT ?? 8050), host, () => {
  const { port } = server.address() as AddressInfo;
  console.log(`The examples are running on ${managerName}: open http://${host}:${port}/`);
});
