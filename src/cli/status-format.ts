import type { ManagerSnapshot } from "../manager/contract.js";
import type { StatusReport } from "./status.js";

/** `ms` for people: `850 ms`, `4.2 s`, `3 min 5 s`, `2 h 10 min`. */
export function duration(ms: number): string {
  const value = Math.max(0, ms);
  if (value < 1_000) return `${Math.round(value)} ms`;
  if (value < 60_000) return `${(value / 1_000).toFixed(1)} s`;
  const seconds = Math.floor(value / 1_000);
  if (seconds < 3_600) return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
  return `${Math.floor(seconds / 3_600)} h ${Math.floor((seconds % 3_600) / 60)} min`;
}

/** Rows as columns padded to their widest cell, indented by four spaces. */
function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => (row[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    `    ${cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join("  ")}`;
  return [line(header), ...rows.map(line)];
}

function section(snapshot: ManagerSnapshot): string[] {
  const { at } = snapshot;
  const lines = [`  Queued: ${snapshot.queued}`, `  Running: ${snapshot.running.length}`];
  if (snapshot.running.length > 0) {
    const rows = snapshot.running.map((job) => [
      job.jobId,
      job.callbackId,
      duration(at - job.startedAt),
      job.worker ?? "-",
    ]);
    lines.push(...table(["JOB", "CALLBACK", "AGE", "WORKER"], rows));
  }
  lines.push(`  Live workers: ${snapshot.workers.length}`);
  if (snapshot.workers.length > 0) {
    const rows = snapshot.workers.map((worker) => [
      worker.host,
      String(worker.pid),
      `${duration(at - worker.lastSeen)} ago`,
      String(worker.jobsDone),
      String(worker.running),
      duration(at - worker.startedAt),
    ]);
    lines.push(...table(["HOST", "PID", "HEARTBEAT", "DONE", "RUNNING", "UP"], rows));
  }
  lines.push(`  Lost in the last hour: ${snapshot.lostLastHour}`);
  return lines;
}

/** The report of `status` for people: one section per manager. */
export function formatReport(report: StatusReport): string {
  const lines: string[] = [];
  for (const entry of report.managers) {
    if (lines.length > 0) lines.push("");
    lines.push(entry.manager);
    if ("error" in entry) lines.push(`  Cannot read it: ${entry.error.message}`);
    else lines.push(...section(entry.snapshot));
  }
  return `${lines.join("\n")}\n`;
}
