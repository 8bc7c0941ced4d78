// Copies every file named by a `<!-- file: path -->` line in README.md and docs/**/*.md into the
// ts code block below it, so the docs show the checked files as they are. `npm run docs:sync`.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const markdown = (dir) =>
  readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? markdown(join(dir, entry.name)) : entry.name.endsWith(".md") ? [join(dir, entry.name)] : [],
  );

for (const file of ["README.md", ...markdown("docs")]) {
  const text = readFileSync(join(root, file), "utf8");
  const synced = text.replace(/(<!-- file: (\S+) -->\n```tsx?\n)[\s\S]*?(\n```)/g, (_all, head, source, tail) => {
    return `${head}${readFileSync(join(root, source), "utf8").trimEnd()}${tail}`;
  });
  if (synced !== text) {
    writeFileSync(join(root, file), synced);
    console.log(`synced ${file}`);
  }
}
