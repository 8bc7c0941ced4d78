import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = new URL("..", import.meta.url).pathname;

function markdownFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? markdownFiles(join(dir, entry.name))
      : entry.name.endsWith(".md")
        ? [join(dir, entry.name)]
        : [],
  );
}

/** Every TypeScript sample in the docs is a file the type-check covers, shown verbatim. */
describe("docs samples", () => {
  for (const file of ["README.md", ...markdownFiles("docs")]) {
    it(`${file}: every ts block is a checked file, shown as it is`, () => {
      const text = readFileSync(join(root, file), "utf8");
      const blocks = [...text.matchAll(/(?:<!-- file: (\S+) -->\n)?```tsx?\n([\s\S]*?)\n```/g)];
      for (const [, source, code] of blocks) {
        expect(source, `a ts block in ${file} names no source file`).toBeDefined();
        expect(code).toBe(readFileSync(join(root, source as string), "utf8").trimEnd());
      }
    });
  }
});
