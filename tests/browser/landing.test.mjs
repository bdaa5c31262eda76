// The landing page as a person sees it: the quickstart server, opened in headless Chromium.
// Run from the repository root after `cargo build --example quickstart`:
//   cd tests/browser && npm ci && npm test
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { createInterface } from 'node:readline';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';

const root = resolve(import.meta.dirname, '../..');
const screenshots = join(root, 'target', 'screenshots');
let server;
let baseUrl;
let endpoints;
let browser;
let dataDir;
/** Every line the quickstart printed. */
const printed = [];

/** Starts the quickstart on a free loopback port and reads its URLs from the start messages. */
function startQuickstart() {
  return new Promise((resolveStart, reject) => {
    const env = {
      ...process.env,
      WEBHOOKS_HOST: '127.0.0.1',
      WEBHOOKS_PORT: '0',
      WEBHOOKS_DATA_DIR: (dataDir = mkdtempSync(join(tmpdir(), 'webhooks-browser-'))),
    };
    for (const name of ['WEBHOOK_SECRET', 'SPACE_ID', 'SPACE_HOST', 'WEBHOOKS_PUBLIC_URL']) delete env[name];
    const child = spawn(join(root, 'target', 'debug', 'examples', 'quickstart'), { env, stdio: ['ignore', 'pipe', 'inherit'] });
    const urls = [];
    const timer = setTimeout(() => reject(new Error('the quickstart printed no URL within 30 s')), 30_000);
    child.on('exit', (code) => reject(new Error(`the quickstart exited with ${code}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      printed.push(line);
      const match = line.match(/^ {2}- POST (http:\/\/[^/]+)(\/webhooks\/\S+)$/);
      if (match) urls.push(match);
      if (line.startsWith('Go to https://huggingface.co/settings/webhooks')) {
        clearTimeout(timer);
        resolveStart({ child, base: urls[0][1], paths: urls.map((m) => m[2]) });
      }
    });
  });
}

before(async () => {
  ({ child: server, base: baseUrl, paths: endpoints } = await startQuickstart());
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
    // Playwright gives every launch a fresh, empty user data directory of its own.
  });
  mkdirSync(screenshots, { recursive: true });
});

after(async () => {
  await browser?.close();
  if (server && server.exitCode === null) {
    // Wait for the server to stop before its journal folder is removed.
    const exited = new Promise((resolveExit) => server.once('exit', resolveExit));
    server.kill('SIGTERM');
    await exited;
  }
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** A real push to a branch (fixture 05), made a dataset's: the event the quickstart takes. */
async function datasetPush() {
  const { readFileSync } = await import('node:fs');
  const body = JSON.parse(readFileSync(join(root, 'fixtures', '05-docs-repo-content-branch-updated-and-tag-created.json'), 'utf8'));
  body.repo.type = 'dataset';
  body.repo.name = 'acme-ml/support-tickets';
  return JSON.stringify(body);
}

/** Opens the landing page in a fresh page, recording console errors and outside requests. */
async function open(viewport) {
  const page = await browser.newPage({ viewport });
  const problems = [];
  page.on('console', (message) => { if (message.type() === 'error') problems.push(`console: ${message.text()}`); });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('request', (request) => {
    const { hostname } = new URL(request.url());
    if (hostname !== '127.0.0.1' && hostname !== 'localhost') problems.push(`outside request: ${request.url()}`);
  });
  const response = await page.goto(`${baseUrl}/`);
  assert.equal(response.status(), 200);
  return { page, problems };
}

test('the landing page lists every endpoint, loads nothing from outside and logs no error', async () => {
  const { page, problems } = await open({ width: 1280, height: 900 });
  assert.equal(await page.title(), 'Hugging Face Hub webhooks');
  assert.ok(endpoints.length > 0);
  const urls = await page.locator('code.url').allTextContents();
  assert.deepEqual(urls, endpoints.map((path) => `${baseUrl}${path}`));
  assert.match(await page.locator('h2').first().textContent(), /1 webhook is registered/);
  assert.match(await page.locator('body').textContent(), /Trigger a training job when a dataset is updated\./);
  await page.screenshot({ path: join(screenshots, 'landing-desktop.png'), fullPage: true });
  assert.deepEqual(problems, []);
  await page.close();
});

test('the copy button copies the endpoint URL', async () => {
  const { page, problems } = await open({ width: 1280, height: 900 });
  const button = page.locator('button.copy').first();
  assert.equal(await button.getAttribute('data-copy'), `${baseUrl}${endpoints[0]}`);
  await button.click();
  await page.waitForFunction(() => document.querySelector('button.copy').textContent === 'Copied');
  assert.deepEqual(problems, []);
  await page.close();
});

test('the page fits a phone screen without horizontal scrolling', async () => {
  const { page, problems } = await open({ width: 375, height: 740 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `the page is ${overflow}px wider than the screen`);
  await page.screenshot({ path: join(screenshots, 'landing-phone.png'), fullPage: true });
  assert.deepEqual(problems, []);
  await page.close();
});

test('recent deliveries are listed, fit a desktop screen with the Hub id, and can be replayed', async () => {
  const body = await datasetPush();
  const posted = await fetch(`${baseUrl}${endpoints[0]}`, { method: 'POST', body, headers: { 'content-type': 'application/json', 'webhook-id': '6740f1a2b3c4d5e6f7a8b9c0' } });
  assert.equal(posted.status, 200);
  // Ordinary deliveries are journaled in batches: wait until this one is.
  for (let tries = 0; ; tries++) {
    const listed = await (await fetch(`${baseUrl}/api/deliveries`)).json();
    if (listed.deliveries.length > 0) break;
    assert.ok(tries < 500, 'the delivery was never journaled');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const { page, problems } = await open({ width: 1280, height: 900 });
  const row = page.locator('#deliveries tbody tr').first();
  await row.waitFor();
  const cells = await row.locator('td').allTextContents();
  assert.equal(cells[1], 'done');
  assert.equal(cells[2], endpoints[0]);
  assert.equal(cells[3], 'repo.content / update');
  assert.equal(cells[4], 'acme-ml/support-tickets');
  assert.equal(cells[7], '6740f1a2b3c4d5e6f7a8b9c0');
  // Every column in view at 1280 px: no cell cut off, nothing to scroll sideways.
  const fit = await page.evaluate(() => {
    const table = document.getElementById('deliveries');
    const cells = [...table.tBodies[0].rows[0].cells];
    return {
      overflow: table.scrollWidth - table.parentElement.clientWidth,
      right: Math.max(...cells.map((cell) => cell.getBoundingClientRect().right)),
      page: document.documentElement.scrollWidth - document.documentElement.clientWidth,
    };
  });
  assert.ok(fit.overflow <= 0, `the table is ${fit.overflow}px wider than its box`);
  assert.ok(fit.right <= 1280, `a cell ends at ${fit.right}px`);
  assert.ok(fit.page <= 0, `the page is ${fit.page}px wider than the screen`);
  await row.locator('button.replay').click();
  await page.waitForFunction(() => document.getElementById('deliveries-status').textContent.startsWith('Replayed as'));
  await page.screenshot({ path: join(screenshots, 'landing-deliveries.png'), fullPage: true });
  assert.deepEqual(problems, []);
  await page.close();
});

/** Serves `html` at `/` from another loopback address than the server's: another site. */
function serveElsewhere(html) {
  return new Promise((resolveServe) => {
    const site = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end(html);
    });
    site.listen(0, '127.0.0.2', () => resolveServe({ site, url: `http://127.0.0.2:${site.address().port}/` }));
  });
}

test('a page of another site can neither run a handler nor replay a delivery', async () => {
  const body = await datasetPush();
  // A delivery to try to replay, posted as the Hub does; wait until it is journaled.
  const list = async () => (await (await fetch(`${baseUrl}/api/deliveries?limit=100`)).json()).deliveries;
  const before = (await list()).length;
  const posted = await fetch(`${baseUrl}${endpoints[0]}`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
  assert.equal(posted.status, 200);
  let listed;
  for (let tries = 0; ; tries++) {
    listed = await list();
    if (listed.length > before) break;
    assert.ok(tries < 500, 'the delivery was never journaled');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const id = listed[0].id;
  const trainingLines = () => printed.filter((line) => line.includes('a training job would start here')).length;
  const trainingBefore = trainingLines();
  assert.ok(trainingBefore > 0, 'the same body posted as the Hub does ran the handler');
  // The attacks: a "simple" cross-site post needs no preflight, and a form needs no script at all.
  const attack = `<!doctype html><body>
<iframe name="sink"></iframe>
<form id="replay" method="POST" action="${baseUrl}/api/deliveries/${encodeURIComponent(id)}/replay" target="sink" enctype="text/plain">
<input name="x" value="y"></form>
<script>
window.attack = async () => {
  await fetch(${JSON.stringify(baseUrl + endpoints[0])}, { method: 'POST', mode: 'no-cors', body: ${JSON.stringify(body)} });
  const loaded = new Promise((resolve) => document.querySelector('iframe').addEventListener('load', resolve, { once: true }));
  document.getElementById('replay').submit();
  await loaded;
  return 'done';
};
</script></body>`;
  const { site, url } = await serveElsewhere(attack);
  const attackStart = Date.now();
  const page = await browser.newPage();
  try {
    await page.goto(url);
    assert.equal(await page.evaluate(() => window.attack()), 'done');
  } finally {
    await page.close();
    site.close();
  }
  // What the server did is visible from here. A request sent as the Hub does, after the attack,
  // shows when the server got that far: its line is printed and its record written after
  // anything the attack could have caused.
  const marker = await fetch(`${baseUrl}${endpoints[0]}`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
  assert.equal(marker.status, 200);
  let after;
  for (let tries = 0; ; tries++) {
    after = (await list()).filter((d) => d.received_at_ms >= attackStart);
    if (after.length > 0 && trainingLines() > trainingBefore) break;
    assert.ok(tries < 500, 'the request sent after the attack was never handled');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.equal(after.length, 1, 'only the request sent as the Hub does was journaled');
  assert.equal(after[0].original_id, null, 'no replay of the delivery');
  assert.equal(trainingLines(), trainingBefore + 1, 'the handler ran for that request only');
});

test('answers other than 2xx are counted on the page with a warning', async () => {
  const refused = await fetch(`${baseUrl}${endpoints[0]}`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
  assert.equal(refused.status, 422);
  for (const viewport of [{ width: 1280, height: 900 }, { width: 375, height: 740 }]) {
    const { page, problems } = await open(viewport);
    const warning = await page.locator('#failed-answers').textContent();
    assert.match(warning, /other than 2xx in the last 24 h/);
    assert.match(warning, /the Hub retries these and suspends a webhook that keeps failing/);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `the page is ${overflow}px wider than the screen`);
    await page.screenshot({ path: join(screenshots, `landing-failed-answers-${viewport.width}.png`), fullPage: true });
    assert.deepEqual(problems, []);
    await page.close();
  }
});
