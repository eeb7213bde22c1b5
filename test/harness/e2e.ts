/**
 * The browser end-to-end suite: packages the extension, installs it into a fresh code-server, and drives the web
 * workbench in headless chromium as a person would: types an error into a config and sees its underline and its
 * Problems entry, runs a local orchestration from the command palette and watches the tree fill, opens a failed
 * log, runs 1,000 cells and sees the first failure revealed, opens the walkthrough, stops a run and reads the status
 * bar. A screenshot of each step goes to .test-output/e2e/ (git-ignored).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Frame, Page } from 'playwright-core';
import { CODE_SERVER, launchChromium, ROOT, startCodeServer } from './codeServer';

/**
 * Every wait below is a bound for a hang, not a pace: each is three times what an unloaded machine needs, so the suite
 * passes with other suites on the same cores (a Run Grid page once took 145 s to draw with three suites on two).
 */
const bound = (ms: number): number => ms * 3;

const OUT = path.join(ROOT, '.test-output', 'e2e');
/** Where the packaged README's images are said to be (`.invalid` never resolves; the browser answers from media/). */
const MEDIA_HOST = 'https://pqo-media.invalid';

async function main(): Promise<number> {
  fs.mkdirSync(OUT, { recursive: true });
  const vsix = path.join(OUT, 'pq-orchestrator.vsix');
  // Packaged as a release is, its README's images on an https server (VS Code draws README images from https only):
  // here a name that resolves nowhere, answered by the browser from media/ (nothing leaves the machine).
  execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'package.mjs'), '-o', vsix], { cwd: ROOT, env: { ...process.env, PQO_IMAGES_URL: `${MEDIA_HOST}/` }, stdio: ['ignore', 'ignore', 'inherit'] });
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'pqo-e2e-ws-'));
  for (const f of ['config.yaml', 'worker.py', 'slow/config.yaml']) {
    fs.mkdirSync(path.dirname(path.join(ws, f)), { recursive: true });
    fs.copyFileSync(path.join(ROOT, 'test', 'fixtures', 'workspace', f), path.join(ws, f));
  }
  // Runs whose workers wait at a gate (a file) the test opens: started in a terminal, in the background, in the window.
  const gates = fs.mkdtempSync(path.join(os.tmpdir(), 'pqo-e2e-gates-'));
  const openGate = (name: string) => fs.writeFileSync(path.join(gates, name), '');
  // Six cells of 3 s, two at once: long enough to read the time left on a second run.
  fs.mkdirSync(path.join(ws, 'fc'));
  fs.writeFileSync(path.join(ws, 'fc', 'config.yaml'), fs.readFileSync(path.join(ws, 'config.yaml'), 'utf8').replace('name: "hostrun"', 'name: "fc"').replace('worker_script: "worker.py"', 'worker_script: "../worker.py"').replace('max_concurrent_sessions: 3', 'max_concurrent_sessions: 2').replace('FAIL_CELL: "2024-02-02/2"', 'FAIL_CELL: "none"').replace('SLEEP_S: "0.2"', 'SLEEP_S: "3"'));
  for (const name of ['term', 'bg', 'inhost']) {
    fs.mkdirSync(path.join(ws, name));
    const text = fs.readFileSync(path.join(ws, 'config.yaml'), 'utf8').replace('name: "hostrun"', `name: "${name}"`).replace('worker_script: "worker.py"', 'worker_script: "../worker.py"');
    // Held cells must not time out however long a loaded machine takes between steps.
    fs.writeFileSync(path.join(ws, name, 'config.yaml'), text.replace('timeout_minutes: 2', 'timeout_minutes: 30').replace('SLEEP_S: "0.2"', `SLEEP_S: "0"\n  GATE_FILE: ${JSON.stringify(path.join(gates, name))}`));
  }
  // 20 weekdays × 50 partitions = 1,000 cells, three of which fail: the failures must not hide among the green rows.
  fs.mkdirSync(path.join(ws, 'grid'));
  fs.writeFileSync(path.join(ws, 'grid', 'worker.py'), 'import os, sys\ncell = os.environ["SIMULATION_DATE"] + "/" + os.environ["PARTITION_ID"]\nif cell in os.environ["FAIL_CELLS"].split(","):\n    raise RuntimeError("bad data for " + cell)\n');
  fs.writeFileSync(
    path.join(ws, 'grid', 'config.yaml'),
    'name: "grid"\nbackend: local\nexecution:\n  worker_script: "worker.py"\n  num_partitions: 50\n  max_concurrent_sessions: 8\n  heap_size_gb: 1\n  script_language: "Python"\n  max_retries: 0\n' +
      'batch:\n  timeout_minutes: 5\ndates:\n  start: "2024-03-04"\n  end: "2024-03-29"\n  weekdays_only: true\nenv:\n  FAIL_CELLS: "2024-03-12/17,2024-03-21/3,2024-03-21/44"\n',
  );

  const cs = await startCodeServer({ logFile: path.join(OUT, 'code-server.log') });
  execFileSync(CODE_SERVER, ['--user-data-dir', cs.dirs.userData, '--extensions-dir', cs.dirs.extensions, '--install-extension', vsix], { env: cs.env, stdio: ['ignore', 'ignore', 'inherit'] });
  const browser = await launchChromium();
  const page = browser.page;
  await page.context().route(`${MEDIA_HOST}/**`, (route) => {
    const file = path.join(ROOT, new URL(route.request().url()).pathname);
    return file.startsWith(path.join(ROOT, 'media') + path.sep) && fs.existsSync(file) ? route.fulfill({ path: file }) : route.fulfill({ status: 404 });
  });
  // Playwright's own default (30 s) for actions without a timeout is a bound too, three times the unloaded need.
  page.setDefaultTimeout(bound(30_000));
  let passed = 0;
  let failed = 0;
  // PQO_E2E_ONLY: only the steps whose names match (a developer's focused run; CI runs them all).
  const only = process.env.PQO_E2E_ONLY ? new RegExp(process.env.PQO_E2E_ONLY) : undefined;
  const step = async (name: string, shot: string, fn: () => Promise<void>) => {
    if (only && !only.test(name)) return;
    try {
      await fn();
      passed++;
      console.log(`  ✔ ${name}`);
    } catch (e) {
      failed++;
      console.log(`  ✗ ${name}: ${(e as Error).message.split('\n')[0]}`);
    }
    await page.screenshot({ path: path.join(OUT, shot) }).catch(() => undefined);
  };
  try {
    await page.goto(`${cs.base}/?folder=${encodeURIComponent(ws)}`, { timeout: bound(60_000) });
    await page.locator('.monaco-workbench').waitFor({ timeout: bound(90_000) });
    console.log('browser end to end');

    await step('typing an error underlines it and lists it in Problems', '1-problem.png', async () => {
      await palette(page, 'Go to File', 'config.yaml');
      await page.locator('.monaco-editor .view-lines', { hasText: 'num_partitions' }).first().waitFor({ timeout: bound(30_000) });
      await replaceLastChar(page, 5, '0'); // num_partitions: 3 → 0
      await page.locator('.monaco-editor .squiggly-error').first().waitFor({ timeout: bound(20_000) });
      await page.keyboard.press('Control+Shift+M');
      await page.locator('.markers-panel .monaco-list-row', { hasText: 'must be between 1 and 1000, got 0' }).first().waitFor({ timeout: bound(20_000) });
    });

    await step('a misspelt section is underlined, listed with its fix first, and Rename fixes it', '1b-section-typo.png', async () => {
      // (It once turned every check of the file off: no underline, no lens, no problem.)
      await palette(page, 'Go to File', 'config.yaml');
      await page.locator('.monaco-editor .view-lines', { hasText: 'num_partitions' }).first().waitFor({ timeout: bound(30_000) });
      const mended = page.locator('.monaco-editor .view-line', { hasText: /^execution:/ });
      try {
        await replaceLine(page, 3, 'executon:');
        if (!(await page.locator('.markers-panel').isVisible())) await page.keyboard.press('Control+Shift+M');
        const listed = page.locator('.markers-panel .monaco-list-row', { hasText: 'unknown key executon; did you mean execution?' }).first();
        await listed.waitFor({ timeout: bound(20_000) });
        await page.locator('.monaco-editor .squiggly-error').first().waitFor({ timeout: bound(20_000) });
        await page.screenshot({ path: path.join(OUT, '1b-section-typo-listed.png') });
        // The quick fix, from the keyboard on the misspelt word: its title in plain words. Ctrl+. pressed again while
        // no menu has come (under load one came only with the light bulb, after the key).
        await page.locator('.monaco-editor .view-lines').first().click();
        await page.keyboard.press('Control+G');
        await page.keyboard.type('3:2');
        await page.keyboard.press('Enter');
        const fix = page.locator('.action-widget .monaco-list-row, .context-view .action-widget [role="option"]', { hasText: 'Rename to execution' }).first();
        for (let tries = 1; ; tries++) {
          await page.keyboard.press('Control+.');
          if (await fix.waitFor({ timeout: bound(5_000) }).then(() => true, () => false)) break;
          if (tries === 6) throw new Error('Ctrl+. on the misspelt section offered no "Rename to execution"');
        }
        await fix.click();
        await listed.waitFor({ state: 'detached', timeout: bound(20_000) });
        if ((await mended.count()) !== 1) throw new Error('the quick fix did not write execution:');
      } finally {
        // The next steps run this config: never left misspelt by a failure here.
        if ((await mended.count()) !== 1) await replaceLine(page, 3, 'execution:');
      }
    });

    await step('Run Orchestration from the palette fills the tree', '2-tree.png', async () => {
      await page.locator('.monaco-editor .view-lines').first().click();
      await replaceLastChar(page, 5, '3');
      await page.locator('.monaco-editor .squiggly-error').first().waitFor({ state: 'detached', timeout: bound(20_000) });
      await page.keyboard.press('Control+S');
      await palette(page, '>PQ Orchestrator: Run Orchestration');
      await page.locator('.notification-toast', { hasText: /hostrun: 5\/6 succeeded, 1 failed/ }).waitFor({ timeout: bound(60_000) });
      // The run ends with a failure, so the view opens by itself with the failed cell selected.
      const row = page.locator('.monaco-list-row', { hasText: 'hostrun' }).first();
      if (!(await row.isVisible())) await page.locator('.activitybar [aria-label^="PQ Orchestrator"]').first().click();
      await row.waitFor({ timeout: bound(20_000) });
      // The failed cell is revealed (its date expanded) when the run ends; expand it by hand only if that has not
      // happened, since a click on an expanded date would fold it again.
      const failedCell = page.locator('.monaco-list-row', { hasText: 'partition 2' }).last();
      if (!(await failedCell.waitFor({ timeout: bound(10_000) }).then(() => true, () => false))) {
        const date = page.locator('.monaco-list-row', { hasText: '2024-02-02' }).first();
        if ((await date.getAttribute('aria-expanded')) !== 'true') await date.click();
        await failedCell.waitFor({ timeout: bound(20_000) });
      }
      await page.locator('.activitybar .badge', { hasText: '1' }).first().waitFor({ timeout: bound(10_000) });
      // The view's title is whole beside its icons (it was cut to "PQ Orchestr..." with five of them).
      const title = page.locator('.part.sidebar .composite.title .title-label h2').first();
      const shown = await title.evaluate((e: { textContent: string | null; scrollWidth: number; clientWidth: number }) => ({ text: e.textContent ?? '', cut: e.scrollWidth > e.clientWidth }), undefined, { timeout: bound(10_000) });
      if (!/PQ Orchestrator/i.test(shown.text) || shown.cut) throw new Error(`the Runs view's title is ${shown.cut ? 'cut' : 'not ours'}: ${shown.text}`);
    });

    await step('opening the failed partition shows its log', '3-failed-log.png', async () => {
      await page.locator('.monaco-list-row', { hasText: 'partition 2' }).last().click();
      await page.locator('.tab', { hasText: 'pq_batch_hostrun_20240202_2.log' }).waitFor({ timeout: bound(20_000) });
      await page.locator('.monaco-editor .view-lines', { hasText: "KeyError: 'missing'" }).first().waitFor({ timeout: bound(20_000) });
    });

    await step('a run in progress: its Run Grid shows the cells running and waiting', '4-grid-live.png', async () => {
      await palette(page, 'Go to File', 'slow/config.yaml', 'slow');
      await page.locator('.monaco-editor .view-lines', { hasText: 'SLEEP_S' }).first().waitFor({ timeout: bound(30_000) });
      await palette(page, '>PQ Orchestrator: Run Orchestration');
      await page.locator('.statusbar-item', { hasText: /hostslow 0\/6 · 3 running/ }).first().waitFor({ timeout: bound(30_000) });
      await palette(page, '>PQ Orchestrator: Open Run Grid');
      const grid = await gridFrame(page, 'hostslow');
      await grid.locator('#legend [data-state="running"][data-count="3"]').waitFor({ timeout: bound(30_000) });
      await grid.locator('#legend [data-state="queued"][data-count="3"]').waitFor({ timeout: bound(10_000) });
      await grid.locator('#status', { hasText: '3 running, 3 waiting' }).waitFor({ timeout: bound(10_000) });
    });

    await step('a forced stop: the status bar says stopped, not a green check; the grid shows what was stopped', '5-stopped.png', async () => {
      await palette(page, '>PQ Orchestrator: Stop Run');
      // The second Stop only once the first has landed (under load a second palette command typed at once was lost,
      // and the run ended gracefully, its running cells finished).
      await page.locator('.statusbar-item', { hasText: /hostslow 0\/6 .*stopping/ }).first().waitFor({ timeout: bound(30_000) });
      // Typed again until the run says it is deleting what runs: under load a palette command can still be lost (a
      // Stop after the forced one does nothing).
      // Not typed again once the run has ended: Stop Run then leaves the palette (its `when` is a run being active), and
      // the palette would wait for it in vain (the browser suite timed out so in CI, the forced stop's toast missed).
      const forced = page.locator('.notification-toast', { hasText: 'stopping and deleting' }).first();
      const stopped = page.locator('.statusbar-item', { hasText: 'hostslow 0/6 · stopped' }).first();
      const landed = () => Promise.any([forced.waitFor({ timeout: bound(5_000) }), stopped.waitFor({ timeout: bound(5_000) })]).then(() => true, () => false);
      for (let i = 0; i < 3 && !(await stopped.isVisible()); i++) {
        if (!(await paletteIfOffered(page, 'PQ Orchestrator: Stop Run'))) continue;
        if (await landed()) break;
      }
      await stopped.waitFor({ timeout: bound(30_000) });
      const grid = await gridFrame(page, 'hostslow');
      await grid.locator('#legend [data-state="stopped"][data-count="3"]').waitFor({ timeout: bound(20_000) });
      await grid.locator('#legend [data-state="not started"][data-count="3"]').waitFor({ timeout: bound(10_000) });
    });

    await step('a Stop in the editor\'s words; Resume from that notification: the same row and grid go on to the end (5/6, its failing cell)', '5a-resumed.png', async () => {
      const said = 'hostslow: Stopped by you: 0 done, 3 stopped, 3 not started';
      let resume = page.locator('.notification-toast', { hasText: said }).first().locator('.monaco-button', { hasText: 'Resume' }).first();
      if (!(await resume.waitFor({ timeout: bound(5_000) }).then(() => true, () => false))) {
        // The toast may have gone to the notification centre meanwhile: the same notification, with its buttons.
        await palette(page, '>Notifications: Show Notifications');
        resume = page.locator('.notifications-center .notification-list-item', { hasText: said }).first().locator('.monaco-button', { hasText: 'Resume' }).first();
        await resume.waitFor({ timeout: bound(20_000) });
      }
      await resume.click();
      await page.locator('.notification-toast', { hasText: /hostslow: 5\/6 succeeded, 1 failed/ }).first().waitFor({ timeout: bound(120_000) });
      await showRunsView(page);
      // One run shown once, updated in place (a resumed run keeps its id; it once showed twice, frozen). The config
      // fails one cell on purpose (FAIL_CELL).
      await page.locator('.monaco-list-row', { hasText: /hostslow\s*5\/6 · 1 failed/ }).first().waitFor({ timeout: bound(20_000) });
      // (Run rows begin with the config's name; the Failed group's description names the run too.)
      const rows = await page.locator('.monaco-list-row', { hasText: /^hostslow/ }).allTextContents();
      if (rows.length !== 1) throw new Error(`${rows.length} run rows in the Runs view for hostslow: ${rows.join(' | ')}`);
      const grid = await gridFrame(page, 'hostslow');
      await grid.locator('#legend [data-state="succeeded"][data-count="5"]').waitFor({ timeout: bound(20_000) });
      await grid.locator('#legend [data-state="failed"][data-count="1"]').waitFor({ timeout: bound(10_000) });
    });

    await step('a 20 × 50 run with three failures: the first failed cell is revealed, the grid shows the three', '6-failures-revealed.png', async () => {
      await palette(page, 'Go to File', 'grid/config.yaml', 'grid');
      await page.locator('.monaco-editor .view-lines', { hasText: 'FAIL_CELLS' }).first().waitFor({ timeout: bound(30_000) });
      await palette(page, '>PQ Orchestrator: Run Orchestration');
      await page.locator('.statusbar-item', { hasText: /grid \d+\/1000/ }).first().waitFor({ timeout: bound(30_000) });
      const opened = Date.now();
      // A click on the status bar while the 1,000-cell run is busy opens its grid (it once found no command).
      await page.locator('.statusbar-item', { hasText: /grid \d+\/1000/ }).first().click();
      // Opened while the run goes: the page shows cells running (headless chromium must not throttle the webview's
      // frame as a background renderer, see launchChromium; it showed the page only after the run before that).
      const live = await gridFrame(page, 'grid', bound(120_000));
      await live.locator('#legend [data-state="running"]').waitFor({ timeout: bound(30_000) });
      console.log(`    the grid page drew ${Date.now() - opened} ms after Open Run Grid: ${await live.locator('#status').textContent()}`);
      await page.screenshot({ path: path.join(OUT, '6a-grid-live-1000.png') });
      await page.locator('.notification-toast', { hasText: /grid: 997\/1000 succeeded, 3 failed/ }).waitFor({ timeout: bound(240_000) });
      await page.locator('.monaco-list-row.selected', { hasText: 'partition 17' }).first().waitFor({ timeout: bound(20_000) });
      await page.locator('.statusbar-item', { hasText: 'grid 997/1000 · 3 failed' }).first().waitFor({ timeout: bound(10_000) });
      const grid = await gridFrame(page, 'grid', bound(120_000));
      await grid.locator('#legend [data-state="failed"][data-count="3"]').waitFor({ timeout: bound(60_000) });
      await grid.locator('#legend [data-state="succeeded"][data-count="997"]').waitFor({ timeout: bound(20_000) });
      await grid.locator('#status', { hasText: 'run ended' }).waitFor({ timeout: bound(20_000) });
    });

    await step('in the grid: hovering a failed cell names it, clicking it opens its log', '7-grid-click.png', async () => {
      const grid = await gridFrame(page, 'grid');
      const viewport = grid.locator('#viewport');
      // The page's own grid finds where the first failed cell is drawn (the code runs in the page, not here).
      const point = (await viewport.evaluate(`(() => { const g = window.pqoGrid; return g.cellPoint(g.data.states.indexOf(5)); })()`)) as { x: number; y: number };
      await viewport.hover({ position: point });
      await grid.locator('#tip', { hasText: 'pq_batch_grid_20240312_17' }).waitFor({ timeout: bound(10_000) });
      await viewport.click({ position: point });
      await page.locator('.tab', { hasText: 'pq_batch_grid_20240312_17.log' }).waitFor({ timeout: bound(20_000) });
      await page.locator('.monaco-editor .view-lines', { hasText: 'bad data for 2024-03-12/17' }).first().waitFor({ timeout: bound(20_000) });
    });

    await step('the grid coloured by duration, with its scale', '8-grid-duration.png', async () => {
      const grid = await gridFrame(page, 'grid');
      await grid.locator('#mode').selectOption('duration');
      await grid.locator('#legend .heat').waitFor({ timeout: bound(10_000) });
      await grid.locator('#legend', { hasText: /\d+ ms|\d+\.\d s/ }).waitFor({ timeout: bound(10_000) });
    });

    await step('the grid in a light theme takes its colours from the theme', '9-grid-light.png', async () => {
      setTheme(cs.dirs.userData, 'Default Light Modern');
      const grid = await gridFrame(page, 'grid');
      await grid.locator('#mode').selectOption('state');
      await grid.locator('body.vscode-light').waitFor({ state: 'attached', timeout: bound(20_000) });
      const background = (await grid.locator('body').evaluate('getComputedStyle(document.body).backgroundColor')) as string;
      if (background !== 'rgb(255, 255, 255)') throw new Error(`the page background is ${background}, not the light theme's`);
    });

    await step('the walkthrough opens from the Welcome page', '10-walkthrough.png', async () => {
      setTheme(cs.dirs.userData, 'Default Dark Modern');
      await palette(page, '>Welcome: Open Walkthrough...');
      await pick(page, 'Get started with PQ Orchestrator');
      await page.locator('.getting-started-step', { hasText: 'Create a config' }).first().waitFor({ timeout: bound(20_000) });
    });

    await step('the extension\'s details page is the user README, its images drawn', '10a-details-page.png', async () => {
      // Room for the page: the panel (Problems, the terminal) closed if open, by its name in this VS Code.
      if (await page.locator('.part.panel').isVisible()) {
        if (!(await paletteIfOffered(page, 'View: Hide Panel'))) await paletteIfOffered(page, 'View: Close Panel');
      }
      await palette(page, '>Extensions: Show Installed Extensions');
      const item = page.locator('.extensions-viewlet .monaco-list-row', { hasText: 'Deephaven PQ Orchestrator' }).first();
      await item.click();
      await page.locator('.tab', { hasText: 'Extension: Deephaven PQ Orchestrator' }).waitFor({ timeout: bound(30_000) });
      // The README is drawn in a webview: the frame that has the user README's images, each scrolled to (the page
      // loads an image when it comes into view) and drawn; the first one left in view for the screenshot.
      const t0 = Date.now();
      for (;;) {
        let seen = '';
        for (const f of page.frames()) {
          const images = (await f
            .evaluate(
              `[...document.querySelectorAll('img[alt]')].filter((i) => /Run Grid|Failures first|failed cell's log/.test(i.alt)).reverse()
                .map((i) => (i.scrollIntoView({ block: 'center' }), { ok: i.complete && i.naturalWidth > 0, src: i.getAttribute('src') })).reverse()`,
            )
            .catch(() => [])) as { ok: boolean; src: string }[];
          if (images.length) seen = `${images.filter((i) => i.ok).length} of ${images.length} images drawn: ${images.map((i) => i.src).join(', ')}`;
          if (images.length === 3 && images.every((i) => i.ok) && (await f.locator('body', { hasText: 'Rerun Failed' }).count())) return;
        }
        if (Date.now() - t0 > bound(30_000)) throw new Error(`the details page shows no user README with its 3 images (${seen || 'none found'})`);
        await page.waitForTimeout(250);
      }
    });

    await step('the --report file opens offline in chromium and shows the run\'s counts', '11-report.png', async () => {
      const report = path.join(OUT, 'report.html');
      try {
        execFileSync(process.execPath, [path.join(ROOT, 'bin', 'pq-orchestrator.js'), path.join(ws, 'config.yaml'), '--report', report, '--last-run'], { stdio: 'ignore' });
      } catch {
        /* written even so; checked below */
      }
      const offline = await page.context().newPage();
      await offline.route('http*://**', (route) => route.abort());
      await offline.goto(`file://${report}`);
      const count = async (state: string) => offline.locator(`#legend [data-state="${state}"]`).getAttribute('data-count', { timeout: bound(10_000) });
      if ((await count('succeeded')) !== '5' || (await count('failed')) !== '1') throw new Error('wrong counts in the report');
      await offline.locator('canvas#grid').waitFor({ timeout: bound(10_000) });
      // The keyboard: arrows move a focus cell and say which; the zoom button and + zoom in; the strip names its peak.
      await offline.bringToFront();
      const viewport = offline.locator('#viewport');
      await viewport.focus();
      await offline.keyboard.press('ArrowRight');
      await offline.keyboard.press('ArrowDown');
      await offline.locator('[aria-live]', { hasText: 'pq_batch_hostrun_20240202_0' }).waitFor({ timeout: bound(5_000) });
      const width = () => offline.evaluate('document.querySelector("#viewport > div").getBoundingClientRect().width') as Promise<number>;
      const before = await width();
      await offline.locator('button[title^="Zoom in"]').click();
      const zoomed = await width();
      if (!(zoomed > before)) throw new Error('Zoom in did not zoom in');
      await viewport.focus();
      await offline.keyboard.press('+');
      if (!((await width()) > zoomed)) throw new Error('+ did not zoom in');
      await offline.locator('#strip-caption', { hasText: /peak \d+ of 3 allowed/ }).waitFor({ timeout: bound(5_000) });
      await offline.screenshot({ path: path.join(OUT, '11-report-page.png') });
      await offline.close();
    });

    await step('fix the worker, Rerun Failed Cells: the three failed cells run with the fixed script and succeed', '14-rerun-fixed.png', async () => {
      await palette(page, 'Go to File', 'grid/worker.py', 'worker.py');
      await page.locator('.monaco-editor .view-lines', { hasText: 'bad data for' }).first().waitFor({ timeout: bound(30_000) });
      await replaceLine(page, 4, 'print("fixed: no bad data for " + cell)');
      await page.keyboard.press('Control+S');
      await page.locator('.tab.dirty', { hasText: 'worker.py' }).waitFor({ state: 'detached', timeout: bound(20_000) });
      await palette(page, '>PQ Orchestrator: Rerun Failed Cells', 'grid/config.yaml');
      await page.locator('.notification-toast', { hasText: /grid: 3\/3 succeeded/ }).waitFor({ timeout: bound(90_000) });
      await page.locator('.statusbar-item', { hasText: 'grid 3/3' }).first().waitFor({ timeout: bound(20_000) });
      // The config's grid is the whole backtest: every cell's latest outcome across the run and its rerun.
      await palette(page, '>PQ Orchestrator: Open Run Grid', 'grid/config.yaml');
      const t0 = Date.now();
      let whole: Frame | undefined;
      while (!whole) {
        for (const f of page.frames()) {
          if (await f.locator('#legend [data-state="succeeded"][data-count="1000"]').count().catch(() => 0)) whole = f;
        }
        if (whole) break;
        if (Date.now() - t0 > bound(60_000)) throw new Error('no grid of the config shows 1,000 of 1,000 succeeded after the rerun');
        await page.waitForTimeout(250);
      }
      await page.screenshot({ path: path.join(OUT, '14a-config-grid-latest.png') });
      // A cell the first run decided opens its log from that run (it once opened nothing: the rerun had not run it).
      const viewport = whole.locator('#viewport');
      const point = (await viewport.evaluate(`(() => window.pqoGrid.cellPoint(0))()`)) as { x: number; y: number };
      await viewport.click({ position: point });
      await page.locator('.tab', { hasText: 'pq_batch_grid_20240304_0.log' }).waitFor({ timeout: bound(20_000) });
      await page.locator('.monaco-editor .view-lines', { hasText: ', an earlier run of this config (run ' }).first().waitFor({ timeout: bound(20_000) });
    });

    await step('with history: the CodeLens forecasts the run, the progress notification says the time left', '15-forecast.png', async () => {
      await palette(page, 'Go to File', 'fc/config.yaml', 'fc');
      await page.locator('.monaco-editor .view-lines', { hasText: 'SLEEP_S' }).first().waitFor({ timeout: bound(30_000) });
      const lens = page.locator('.codelens-decoration :is(a, span)', { hasText: '= 6 cells' }).last();
      await lens.waitFor({ timeout: bound(30_000) });
      const tip = async () => (await lens.getAttribute('title')) ?? '';
      if (!/^Forecast: none: no earlier run/.test(await tip())) throw new Error(`before any run the lens says: ${await tip()}`);
      await palette(page, '>PQ Orchestrator: Run Orchestration');
      await page.locator('.notification-toast', { hasText: /fc: 6\/6 succeeded/ }).waitFor({ timeout: bound(90_000) });
      for (const t0 = Date.now(); !/^Forecast: about /.test(await tip()); await page.waitForTimeout(250)) {
        if (Date.now() - t0 > bound(30_000)) throw new Error(`after a run the lens says: ${await tip()}`);
      }
      await palette(page, '>PQ Orchestrator: Run Orchestration');
      await page.locator('.notification-toast', { hasText: /fc.*\d\/6 done, 0 failed, about .+ left/ }).first().waitFor({ timeout: bound(60_000) });
      await page.screenshot({ path: path.join(OUT, '15a-time-left.png') });
      await page.locator('.notification-toast', { hasText: /fc: 6\/6 succeeded/ }).first().waitFor({ timeout: bound(90_000) });
    });

    await step('a CLI run started in the integrated terminal is followed in the Runs view and its grid; Stop from the tree ends it, exit 4', '12-terminal-run.png', async () => {
      await showRunsView(page);
      // Toggle Terminal makes a terminal when there is none (Create New Terminal is not offered until the terminal
      // backend is ready).
      await palette(page, '>View: Toggle Terminal');
      await page.locator('.terminal-wrapper.active .xterm, .terminal.xterm').first().waitFor({ timeout: bound(30_000) });
      await page.locator('.terminal.xterm').first().click();
      const exitFile = path.join(ws, 'term', 'exit-code');
      await page.keyboard.type(`cd term && pq-orchestrator config.yaml; echo $? > exit-code\n`, { delay: 5 });
      const row = page.locator('.monaco-list-row', { hasText: /term ?\d+\/6.*CLI pid \d+/ }).first();
      await showRunsView(page);
      await row.waitFor({ timeout: bound(60_000) });
      await page.locator('.statusbar-item', { hasText: /term 0\/6 · 3 running/ }).first().waitFor({ timeout: bound(30_000) });
      await page.locator('.statusbar-item', { hasText: /term 0\/6/ }).first().click();
      const grid = await gridFrame(page, 'term');
      await grid.locator('#legend [data-state="running"][data-count="3"]').waitFor({ timeout: bound(30_000) });
      await page.screenshot({ path: path.join(OUT, '12a-terminal-run-live.png') });
      await row.hover();
      await row.locator('.action-label[aria-label^="Stop Run"]').click();
      await page.locator('.monaco-list-row', { hasText: /term ?\d+\/6.*stopping/ }).first().waitFor({ timeout: bound(30_000) });
      openGate('term');
      await waitForFile(exitFile, bound(60_000));
      const code = fs.readFileSync(exitFile, 'utf8').trim();
      if (code !== '4') throw new Error(`the CLI in the terminal exited ${code}, not 4`);
      await page.locator('.monaco-list-row', { hasText: /term ?3\/6 · stopped/ }).first().waitFor({ timeout: bound(30_000) });
      await grid.locator('#legend [data-state="not started"][data-count="3"]').waitFor({ timeout: bound(30_000) });
    });

    await step('through a window reload: a background run goes on and is attached again; a run of the window is offered for Resume and completes', '13-after-reload.png', async () => {
      await showRunsView(page);
      await palette(page, 'Go to File', 'bg/config.yaml', 'bg');
      await page.locator('.monaco-editor .view-lines', { hasText: 'GATE_FILE' }).first().waitFor({ timeout: bound(30_000) });
      await palette(page, '>PQ Orchestrator: Run in Background');
      await page.locator('.monaco-list-row', { hasText: /bg ?\d+\/6.*background pid \d+/ }).first().waitFor({ timeout: bound(60_000) });
      await palette(page, 'Go to File', 'inhost/config.yaml', 'inhost');
      await page.locator('.monaco-editor .view-lines', { hasText: 'GATE_FILE' }).first().waitFor({ timeout: bound(30_000) });
      await palette(page, '>PQ Orchestrator: Run Orchestration');
      await page.locator('.statusbar-item', { hasText: /inhost 0\/6 · 3 running/ }).first().waitFor({ timeout: bound(30_000) });
      await palette(page, '>Developer: Reload Window');
      await page.locator('.monaco-workbench').waitFor({ timeout: bound(90_000) });
      await page.locator('.activitybar [aria-label^="PQ Orchestrator"]').first().waitFor({ timeout: bound(60_000) });
      await showRunsView(page);
      const bgRow = page.locator('.monaco-list-row', { hasText: /bg ?\d+\/6.*background pid \d+/ }).first();
      await bgRow.waitFor({ timeout: bound(60_000) });
      const notice = page.locator('.notification-toast', { hasText: /inhost: run .* was interrupted: an editor window/ });
      await notice.waitFor({ timeout: bound(60_000) });
      await page.locator('.monaco-list-row', { hasText: /inhost ?\d+\/6.*interrupted/ }).first().waitFor({ timeout: bound(30_000) });
      await page.screenshot({ path: path.join(OUT, '13a-interrupted-offered.png') });
      await notice.locator('a.monaco-button, .monaco-button', { hasText: 'Resume' }).first().click();
      await page.locator('.statusbar-item', { hasText: /inhost \d\/6/ }).first().waitFor({ timeout: bound(60_000) });
      openGate('bg');
      openGate('inhost');
      await page.locator('.notification-toast', { hasText: /bg: 5\/6 succeeded, 1 failed/ }).waitFor({ timeout: bound(90_000) });
      await page.locator('.notification-toast', { hasText: /inhost: 5\/6 succeeded, 1 failed/ }).waitFor({ timeout: bound(90_000) });
      // Every cell of the background run was created once and finished once: none lost, none run twice.
      const lines = fs.readFileSync(onlyRecord(path.join(ws, 'bg')), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { t: string; i?: number });
      for (const t of ['created', 'finished']) {
        const cells = lines.filter((l) => l.t === t).map((l) => l.i);
        if (cells.length !== 6 || new Set(cells).size !== 6) throw new Error(`the background run's record has ${cells.length} ${t} lines for ${new Set(cells).size} cells`);
      }
    });
  } finally {
    await browser.close();
    await cs.stop();
    fs.rmSync(ws, { recursive: true, force: true });
  }
  console.log(`screenshots: ${OUT}`);
  console.log(`e2e: ${passed} passed, ${failed} failed`);
  return failed ? 1 : 0;
}

/** Goes to the end of a line of the active editor, then presses `keys` (a selection, a deletion) and types `text`. */
async function atLineEnd(page: Page, line: number, keys: string, text: string): Promise<void> {
  await page.keyboard.press('Control+G');
  await page.keyboard.type(String(line));
  await page.keyboard.press('Enter');
  await page.keyboard.press('End');
  await page.keyboard.press(keys);
  await page.keyboard.type(text);
}

/** Types a line of the active editor anew (from its indentation), as a person would. */
async function replaceLine(page: Page, line: number, text: string): Promise<void> {
  await page.locator('.monaco-editor .view-lines').first().click();
  await atLineEnd(page, line, 'Shift+Home', text);
}

/** Replaces the last character of a line of the active editor, as typing would. */
async function replaceLastChar(page: Page, line: number, text: string): Promise<void> {
  await atLineEnd(page, line, 'Backspace', text);
}

/** F1, type, then pick the row that matches (with `>` the text is a command; without, a Quick Open search). */
async function palette(page: Page, command: string, search?: string, pickText = search, o: { bare?: boolean } = {}): Promise<void> {
  const input = page.locator('.quick-input-widget .quick-input-box input');
  // F1 goes where the focus is. A webview (the Run Grid) passes keys on to the workbench, but in CI the palette did
  // not open in 180 s after a step that had opened a grid: the focus is taken back from any frame first, and F1
  // pressed again while the palette has not opened.
  for (let tries = 1; ; tries++) {
    await page.evaluate('document.activeElement instanceof HTMLIFrameElement && document.activeElement.blur()');
    await page.keyboard.press('F1');
    if (await input.waitFor({ state: 'visible', timeout: bound(10_000) }).then(() => true, () => false)) break;
    if (tries < 6) continue;
    const focus = await page.evaluate(`(() => { const a = document.activeElement; const d = document.querySelector('.monaco-dialog-box');
      return (a ? a.tagName + '.' + String(a.className).slice(0, 80) : 'nothing') + (d ? '; a dialog is open: ' + d.textContent.slice(0, 200) : ''); })()`);
    throw new Error(`the command palette did not open for ${command} (F1 pressed ${tries} times; the focus: ${String(focus)})`);
  }
  const text = command.startsWith('>') ? command : `>${command}`;
  await input.fill(text);
  if (o.bare) return; // the caller picks
  await pick(page, text.slice(1).split(': ').pop()!);
  if (search) {
    await input.waitFor({ state: 'visible', timeout: bound(60_000) });
    await input.fill(search);
    await pick(page, pickText!);
  }
}

/** Runs a palette command if the palette offers it (within a bound); false, the palette closed, when it does not. */
async function paletteIfOffered(page: Page, command: string): Promise<boolean> {
  await palette(page, `>${command}`.replace(/^>>/, '>'), undefined, undefined, { bare: true });
  const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: command.split(': ').pop()! }).first();
  if (await row.waitFor({ timeout: bound(5_000) }).then(() => true, () => false)) {
    await row.click();
    return true;
  }
  await page.keyboard.press('Escape');
  return false;
}

/** The Run Grid page of the named config's run (a webview: an iframe inside an iframe), once it has drawn. */
async function gridFrame(page: Page, name: string, timeoutMs = 60_000): Promise<Frame> {
  const t0 = Date.now();
  for (;;) {
    for (const f of page.frames()) {
      const title = await f.evaluate('document.querySelector("#app h1")?.textContent ?? ""').catch(() => '');
      if (typeof title === 'string' && title.startsWith(`${name}: run `)) return f;
    }
    if (Date.now() - t0 > timeoutMs) throw new Error(`no Run Grid page of ${name} after ${timeoutMs} ms`);
    await page.waitForTimeout(250);
  }
}

/** Shows the Runs view (a click on its activity bar item, unless it is the one shown: a click would hide it). */
async function showRunsView(page: Page): Promise<void> {
  const item = page.locator('.activitybar .action-item:has([aria-label^="PQ Orchestrator"])').first();
  await item.waitFor({ timeout: bound(30_000) });
  // Judged by the side bar showing our view, not by the icon's state: after a window reload the icon was "checked"
  // with the side bar hidden, so it was never clicked (and a click on an icon whose view shows hides it).
  const shown = page.locator('.part.sidebar .composite.title', { hasText: /PQ Orchestrator/i }).first();
  for (let tries = 1; !(await shown.isVisible()); tries++) {
    if (tries > 5) throw new Error('the Runs view did not show in the side bar');
    await item.click();
    await shown.waitFor({ timeout: bound(5_000) }).catch(() => undefined);
  }
}

async function waitForFile(file: string, timeoutMs: number): Promise<void> {
  const t0 = Date.now();
  while (!fs.existsSync(file) || fs.readFileSync(file, 'utf8').trim() === '') {
    if (Date.now() - t0 > timeoutMs) throw new Error(`${file} not written in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The record of the one run of the config in `dir`. */
function onlyRecord(dir: string): string {
  const root = path.join(dir, '.pq-orchestrator', 'runs');
  const name = fs.readdirSync(root)[0];
  const run = fs.readdirSync(path.join(root, name)).filter((d) => !d.startsWith('run.lock'))[0];
  return path.join(root, name, run, 'record.jsonl');
}

/** Changes the colour theme the way a user's settings.json would (the editor applies it live). */
function setTheme(userData: string, theme: string): void {
  const file = path.join(userData, 'User', 'settings.json');
  const settings = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  fs.writeFileSync(file, JSON.stringify({ ...settings, 'workbench.colorTheme': theme }, null, 2));
}

/** Clicks the quick-pick row showing `label` once the list has filtered down to it. */
async function pick(page: Page, label: string): Promise<void> {
  const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: label }).first();
  await row.waitFor({ timeout: bound(60_000) });
  await row.click();
}

main().then(
  (c) => process.exit(c),
  (e) => {
    console.error(e);
    console.log('e2e: 0 passed, 1 failed');
    process.exit(1);
  },
);
