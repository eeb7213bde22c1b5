// Packages the extension as a .vsix with the user README (media/marketplace/README.md) as its details page.
// Usage: node scripts/package.mjs [-o file.vsix]
//
// VS Code draws the images of an extension's README only from https addresses: relative and data: images of a
// .vsix installed from a file are removed by its sanitizer (microsoft/vscode#43173, microsoft/vscode-vsce#1196).
// So: with PQO_IMAGES_URL (where media/ is served over https: the repository at the release tag, an internal
// server) vsce prefixes the README's images with it; without it the README's images become their captions and a
// pointer to the walkthrough, which shows the same screenshots from inside the package: no broken images either way.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// (vsce takes the README's path relative to the package root.)
const README = 'media/marketplace/README.md';

/** The README for a package with no https place for its images: each image as its caption, once the walkthrough. */
export function readmeWithoutImages(text) {
  let first = true;
  return text.replace(/^(\s*)!\[([^\]]*)\]\([^)]*\)[ \t]*$/gm, (_m, indent, alt) => {
    const where = first ? ' (this screenshot and the others are in the walkthrough: Help → Welcome → Get started with PQ Orchestrator)' : '';
    first = false;
    return `${indent}*Screenshot: ${alt}${where}.*`;
  });
}

function main() {
  const args = process.argv.slice(2);
  const o = args.indexOf('-o');
  const out = o >= 0 ? path.resolve(args[o + 1]) : path.join(root, 'pq-orchestrator.vsix');
  const base = process.env.PQO_IMAGES_URL;
  const vsce = path.join(root, 'node_modules', '.bin', 'vsce');
  const common = ['package', '--no-dependencies', '--allow-missing-repository', '--skip-license', '-o', out];
  if (base) {
    if (!/^https:\/\//.test(base)) throw new Error(`PQO_IMAGES_URL must be an https address (VS Code draws README images from https only), got ${base}`);
    const slash = base.endsWith('/') ? base : `${base}/`;
    execFileSync(vsce, [...common, '--readme-path', README, '--baseImagesUrl', slash, '--baseContentUrl', slash], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
    return;
  }
  const dir = path.join('out', 'package');
  mkdirSync(path.join(root, dir), { recursive: true });
  const readme = path.join(dir, 'README.md');
  try {
    writeFileSync(path.join(root, readme), readmeWithoutImages(readFileSync(path.join(root, README), 'utf8')));
    execFileSync(vsce, [...common, '--no-rewrite-relative-links', '--readme-path', readme], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  } finally {
    rmSync(path.join(root, readme), { force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
