/** One structured log line: `{ "time", "level", "event", ... }`. */
export type LogLine = Record<string, unknown> & { readonly event: string; readonly level?: "info" | "warn" | "error" };

/** Writes log lines as one JSON object a line to `out` (stdout by default). */
export function jsonLogger(out: { write(text: string): unknown } = process.stdout): (line: LogLine) => void {
  return (line) => {
    const { level = "info", event, ...fields } = line;
    out.write(`${JSON.stringify({ time: new Date().toISOString(), level, event, pid: process.pid, ...fields })}\n`);
  };
}

/** A message for a human, from any thrown value. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
