/**
 * `npm start`: every example at once, on the embedded DiskManager, behind one port.
 * Each example runs as its own process (as it would alone) under `/<name>/`; this process
 * serves the index page and forwards the rest.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";

const examples = [
  ["simple", "A button starts a two-second job"],
  ["disable-button", "The button is disabled while the job runs"],
  ["cancel", "Cancel a running job"],
  ["progress-bar", "A progress bar follows the job"],
  ["progress-graph", "A plotly bar advances with the job"],
  ["set-props", "A job started with the page adds gapminder rows to a DataTable"],
] as const;

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

function indexPage(): string {
  const items = examples.map(([name, text]) => `<li><a href="/${name}/">${name}</a> — ${text}</li>`).join("\n");
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><title>background-callbacks examples</title></head>
<body><h1>background-callbacks examples</h1><ul>${items}</ul></body></html>`;
}

const server = createServer((req, res) => {
  const name = (req.url ?? "/").split("/")[1] ?? "";
  const port = ports.get(name);
  if (port === undefined) {
    res.writeHead(req.url === "/" ? 200 : 404, { "Content-Type": "text/html; charset=utf-8" });
    res.end(indexPage());
    return;
  }
  const upstream = request(
    { host: "127.0.0.1", port, path: req.url, method: req.method, headers: req.headers },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  upstream.on("error", () => {
    res.writeHead(502, { "Content-Type": "text/plain" });
    res.end(`The ${name} example is not answering`);
  });
  req.pipe(upstream);
});

function stop(): void {
  for (const child of children) child.kill("SIGTERM");
  server.close();
}
process.on("SIGINT", () => {
  stop();
  process.exit(0);
});
process.on("SIGTERM", () => {
  stop();
  process.exit(0);
});
process.on("exit", stop);

await Promise.all(examples.map(([name]) => startExample(name)));
const port = Number(process.env.PORT ?? 8050);
const host = process.env.HOST ?? "127.0.0.1";
server.listen(port, host, () => {
  console.log(`The examples are running: open http://${host}:${port}/`);
});
