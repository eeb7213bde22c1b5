import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from '../helpers/cli';

describe('the package as a user meets it', () => {
  it('the README shown in the Extensions view is the user one, and every image it shows is packaged', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    assert.equal(pkg.scripts.package, 'node scripts/package.mjs');
    assert.match(fs.readFileSync(path.join(ROOT, 'scripts', 'package.mjs'), 'utf8'), /'media\/marketplace\/README\.md'/);
    const readme = fs.readFileSync(path.join(ROOT, 'media', 'marketplace', 'README.md'), 'utf8');
    assert.doesNotMatch(readme, /npm (run|test)|src\/|test\//, 'nothing for this repository\'s developers');
    const ignore = fs.readFileSync(path.join(ROOT, '.vscodeignore'), 'utf8').split('\n');
    // vsce adds the --readme-path file as readme.md: the repository's README.md beside it would be the same path
    // in a case-insensitive VSIX, and packaging fails.
    assert.ok(!ignore.includes('!README.md'), 'the repository README is not packaged');
    const images = [...readme.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)].map((m) => m[1]);
    assert.ok(images.length >= 3);
    for (const img of images) {
      assert.ok(!/^https?:/.test(img), `${img}: nothing is fetched from the internet`);
      assert.ok(fs.existsSync(path.join(ROOT, img)), `${img} exists (links are relative to the package root)`);
      assert.ok(ignore.includes(`!${img}`), `${img} is packaged (.vscodeignore)`);
    }
  });

  it('packaged with no https place for its images, the details page gets their captions, not broken images', async () => {
    // VS Code draws a .vsix README's images from https only (relative and data: images are removed): see package.mjs.
    const importEsm = new Function('u', 'return import(u)') as (u: string) => Promise<{ readmeWithoutImages(t: string): string }>;
    const { readmeWithoutImages } = await importEsm(pathToFileURL(path.join(ROOT, 'scripts', 'package.mjs')).href);
    const readme = fs.readFileSync(path.join(ROOT, 'media', 'marketplace', 'README.md'), 'utf8');
    const alts = [...readme.matchAll(/!\[([^\]]*)\]\(([^)]+)\)/g)].map((m) => m[1]);
    const shipped = readmeWithoutImages(readme);
    assert.doesNotMatch(shipped, /!\[/, 'no image left to draw broken');
    for (const alt of alts) assert.ok(shipped.includes(`*Screenshot: ${alt}`), `the caption of ${alt}`);
    assert.equal(shipped.match(/in the walkthrough: Help → Welcome → Get started with PQ Orchestrator/g)?.length, 1, 'the walkthrough named once');
    assert.equal(shipped.replace(/^\s*\*Screenshot: .*$/gm, ''), readme.replace(/^\s*!\[.*$/gm, ''), 'nothing else changed');
  });

  it('the walkthrough shows images, not text only, and each is packaged', () => {
    const ignore = fs.readFileSync(path.join(ROOT, '.vscodeignore'), 'utf8').split('\n');
    const dir = path.join(ROOT, 'media', 'walkthrough');
    const images = fs.readdirSync(dir).flatMap((f) => [...fs.readFileSync(path.join(dir, f), 'utf8').matchAll(/!\[([^\]]*)\]\(([^)]+)\)/g)].map((m) => ({ alt: m[1], file: path.relative(ROOT, path.resolve(dir, m[2])) })));
    assert.ok(images.length >= 4, `${images.length} images`);
    for (const { alt, file } of images) {
      assert.ok(alt.length > 20, `${file}: its alt text says what it shows`);
      assert.ok(fs.existsSync(path.join(ROOT, file)), `${file} exists`);
      assert.ok(ignore.includes(`!${file}`) || ignore.includes('!media/walkthrough/**') && file.startsWith('media/walkthrough/'), `${file} is packaged (.vscodeignore)`);
    }
  });
});
