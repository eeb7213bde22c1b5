import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, runCli } from '../helpers/cli';
import { tempProject } from '../helpers/configs';
import { loadPlan } from '../../src/plan/load';

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

  it('the Runs view\'s title keeps room for its name: two icons of ours at most (beside Collapse All), the rest in its ... menu', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { contributes: { menus: { 'view/title': { command: string; group?: string }[] } } };
    const icons = pkg.contributes.menus['view/title'].filter((m) => m.group?.startsWith('navigation')).map((m) => m.command);
    // Show Failures Only and Show All Cells take turns in one place.
    const places = new Set(icons.map((c) => (c === 'pqOrchestrator.showAllCells' ? 'pqOrchestrator.showFailuresOnly' : c)));
    assert.ok(places.size <= 2, `${places.size} icons beside the title (it was cut to "PQ Orchestr..." with five, "PQ Orchestrator: Ru..." with three): ${[...places].join(', ')}`);
  });

  describe('the walkthrough in a narrow editor', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { contributes: { walkthroughs: { steps: { id: string; description: string; media: { markdown: string } }[] }[] } };
    const steps = pkg.contributes.walkthroughs[0].steps;
    const media = (id: string) => fs.readFileSync(path.join(ROOT, steps.find((s) => s.id === id)!.media.markdown), 'utf8');

    it('each step\'s text is in its description (VS Code hides a step\'s media when the editor is narrow)', () => {
      for (const step of steps) {
        const [text, link] = step.description.split('\n');
        assert.ok((text.match(/[.:;] /g) ?? []).length >= 2, `${step.id}: its description says what the step does in full: ${text}`);
        assert.match(link, /^\[[^\]]+\]\(command:pqOrchestrator\.[\w.]+\)$/, `${step.id}: ends with its button`);
        // The media shows (a screenshot, a config, a plan); it does not carry text the narrow editor would lose.
        const prose = media(step.id).replace(/```[\s\S]*?```/g, '').split('\n').filter((l) => l.trim() && !l.startsWith('#') && !l.startsWith('!['));
        assert.ok(prose.every((l) => l.length < 420), `${step.id}: no long text only the media has`);
      }
    });

    it('the config it shows is valid, and the plan it shows is what Dry Run prints for the starter', async () => {
      const yaml = /```yaml\n([\s\S]*?)```/.exec(media('create'))![1];
      const dir = tempProject({ 'config.yaml': yaml, 'worker.py': 'print("hi")\n' });
      const loaded = loadPlan(path.join(dir, 'config.yaml'), { purpose: 'edit' });
      assert.equal(loaded.kind, 'plan', JSON.stringify(loaded).slice(0, 300));
      const shown = /```text\n([\s\S]*?)```/.exec(media('dryrun'))![1].split('\n').filter(Boolean);
      const dry = await runCli(['--config', 'local_quickstart/config.yaml', '--dry-run'], { cwd: path.join(ROOT, 'examples') });
      assert.equal(dry.code, 0, dry.stderr);
      const printed = new Set(dry.stdout.split('\n'));
      for (const line of shown) assert.ok(printed.has(line), `Dry Run prints: ${line}`);
    });
  });
});

