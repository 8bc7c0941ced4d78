/**
 * Content negotiation for the front-end files: Brotli or gzip by `Accept-Encoding`, each
 * encoding compressed once (on its first request, off the event loop) and then kept in memory.
 */
import { promisify } from "node:util";
import { brotliCompress, constants, gzip } from "node:zlib";

/** A content coding the asset server can send. */
export type Encoding = "br" | "gzip" | "identity";

/** The server's preference among codings a client rates equally. */
const PREFERENCE: readonly Encoding[] = ["br", "gzip", "identity"];

/** Below this size a coding saves less than its headers cost. */
export const MIN_COMPRESS_BYTES = 1024;

const brotliAsync = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

/**
 * Brotli quality 9 gets plotly.js (4.9 MB) to 1.22 MB in about 2 s on one core; quality 11
 * saves another 10% for nine times the time, which the first visitor of every process would wait.
 */
const BROTLI_QUALITY = 9;

/**
 * The coding to send for an `Accept-Encoding` header: the acceptable one with the highest
 * q-value, ties broken br > gzip > identity. `identity` is the fallback when nothing else is
 * acceptable, even when the header refuses it: a body the client may not decode beats no body.
 */
export function negotiate(header: string | null): Encoding {
  if (header === null) return "identity";
  const rated = new Map<string, number>();
  for (const part of header.split(",")) {
    const [rawName = "", ...params] = part.split(";");
    const name = rawName.trim().toLowerCase();
    if (name === "") continue;
    const q = params.map((param) => /^\s*q\s*=\s*(.*?)\s*$/i.exec(param)).find((match) => match !== null);
    // A malformed q-value refuses the coding rather than rating it 1.
    const value = q === undefined ? 1 : /^[0-9.]+$/.test(q[1] ?? "") ? Number(q[1]) : 0;
    rated.set(name === "x-gzip" ? "gzip" : name, Number.isFinite(value) ? Math.min(Math.max(value, 0), 1) : 0);
  }
  const wildcard = rated.get("*");
  // Identity is acceptable unless refused by name or by `*;q=0` (RFC 9110 §12.5.3).
  const qualityOf = (coding: Encoding): number =>
    rated.get(coding) ?? (coding === "identity" ? (wildcard === 0 ? 0 : 1e-3) : (wildcard ?? 0));
  let best: Encoding = "identity";
  let bestQ = 0;
  for (const coding of PREFERENCE) {
    const q = qualityOf(coding);
    if (q > bestQ) {
      best = coding;
      bestQ = q;
    }
  }
  return best;
}

/** Compresses `bytes` with `coding`. Runs on libuv's thread pool, so the event loop stays free. */
export async function compress(bytes: Uint8Array, coding: Exclude<Encoding, "identity">): Promise<Uint8Array> {
  if (coding === "gzip") return gzipAsync(bytes, { level: 9 });
  return brotliAsync(bytes, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY,
      [constants.BROTLI_PARAM_SIZE_HINT]: bytes.byteLength,
      [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
    },
  });
}

/** The entity tag of one coding of a file whose identity tag is `etag` (a quoted string). */
export function encodedEtag(etag: string, coding: Encoding): string {
  return coding === "identity" ? etag : `${etag.slice(0, -1)}-${coding}"`;
}
