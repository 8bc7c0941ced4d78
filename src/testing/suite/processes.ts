import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { clock, isAlive, sleep } from "./helpers.js";

/** One process of the table: its parent and what it runs. */
interface ProcessEntry {
  readonly ppid: number;
  readonly command: string;
}

function readOr(file: string, fallback: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    // The process ended between the listing and the read.
    return fallback;
  }
}

/** Live processes from /proc (Linux); zombies are dead and left out. */
function procTable(): Map<number, ProcessEntry> {
  const table = new Map<number, ProcessEntry>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readOr(`/proc/${name}/stat`, "");
    // The command name sits in parentheses and may itself hold spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (fields.length < 2 || fields[0] === "Z") continue;
    const command = readOr(`/proc/${name}/cmdline`, "").replaceAll("\0", " ").trim();
    table.set(Number(name), { ppid: Number(fields[1]), command });
  }
  return table;
}

/** Live processes from `ps` (macOS, the BSDs). */
function psTable(): Map<number, ProcessEntry> {
  const table = new Map<number, ProcessEntry>();
  const listing = execFileSync("ps", ["-A", "-o", "pid=", "-o", "ppid=", "-o", "stat=", "-o", "command="], {
    encoding: "utf8",
  });
  for (const line of listing.split("\n")) {
    const match = /^\s*(\d+)\s+(\d+)\s+(\S+)\s*(.*)$/.exec(line);
    if (match === null || match[3]?.startsWith("Z")) continue;
    table.set(Number(match[1]), { ppid: Number(match[2]), command: match[4] ?? "" });
  }
  return table;
}

/**
 * The live descendants of `root` (children, their children, …), pid → command line. Reads /proc
 * where there is one (Linux) and asks `ps` otherwise; where neither works (Windows) it throws,
 * because the tests that call it cannot check their invariant there.
 */
export function descendants(root: number = process.pid): Map<number, string> {
  let table: Map<number, ProcessEntry>;
  try {
    table = existsSync("/proc/self/stat") ? procTable() : psTable();
  } catch (error) {
    throw new Error(`Cannot list processes (this check needs /proc or \`ps\`): ${String(error)}`);
  }
  const children = new Map<number, number[]>();
  for (const [pid, { ppid }] of table) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  const found = new Map<number, string>();
  const stack = [...(children.get(root) ?? [])];
  for (let pid = stack.pop(); pid !== undefined; pid = stack.pop()) {
    if (found.has(pid)) continue;
    found.set(pid, table.get(pid)?.command ?? "");
    stack.push(...(children.get(pid) ?? []));
  }
  return found;
}

/**
 * Asserts that no descendant of this process that was not in `before` is still alive, giving
 * stragglers up to `settleMs` to go. Kills any that remain, so that one failure does not leak
 * processes into the next test.
 */
export async function assertNoNewProcesses(
  before: ReadonlyMap<number, string>,
  settleMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + settleMs;
  let left = [...descendants()].filter(([pid]) => !before.has(pid));
  while (left.length > 0 && Date.now() < deadline) {
    await sleep(20);
    left = [...descendants()].filter(([pid]) => !before.has(pid));
  }
  for (const [pid] of left) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Gone already.
    }
  }
  const shown = left.map(([pid, command]) => `${pid} (${command.slice(0, 120)})`).join(", ");
  assert.equal(left.length, 0, `${what}: ${left.length} process(es) left running: ${shown}`);
}

/** Keeps this process's event loop from running for `ms`: no timer fires, no message is read. */
export function blockThisProcess(ms: number): void {
  const until = clock() + ms;
  while (clock() < until) {
    // Deliberately synchronous: everything due meanwhile runs together afterwards.
  }
}

/**
 * Stalls the process `pid` for `ms`: a synchronous busy wait when it is this process, SIGSTOP and
 * SIGCONT otherwise. Returns whether a stall happened (not for pid 1 or an invisible process).
 */
export async function stall(pid: number, ms: number): Promise<boolean> {
  if (pid === process.pid) {
    blockThisProcess(ms);
    return true;
  }
  if (pid <= 1 || !isAlive(pid)) return false;
  process.kill(pid, "SIGSTOP");
  try {
    await sleep(ms);
  } finally {
    try {
      process.kill(pid, "SIGCONT");
    } catch {
      // It died while stopped; nothing to resume.
    }
  }
  return true;
}
