// The page goes wherever a class is: offline once visited, installable, updated only when the
// user says so, under a course's sub-path, and inside another site's <iframe>.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { useServer, launch, stepCount, ready, dist, serveDist, withHooks } from './harness.js';

const server = useServer();

const LONG = 180_000;

/** Waits until the page's service worker controls it and says what it keeps. */
const offlineReady = (page) =>
  page.waitForSelector('#offline[data-build]:not([data-build=""])', { timeout: LONG });

async function steps(page, n) {
  await ready(page);
  const start = await stepCount(page);
  for (let i = 0; i < n; i += 1) {
    await page.waitForSelector('#step:not([disabled])', { timeout: LONG });
    await page.click('#step');
    await page.waitForFunction((s) => Number(document.querySelector('#step-count').textContent) === s, start + i + 1, { timeout: LONG });
  }
}

/** Bytes in the browser's caches, by cache. */
const cacheSizes = (page) =>
  page.evaluate(async () => {
    const sizes = {};
    for (const name of await caches.keys()) {
      const cache = await caches.open(name);
      let total = 0;
      for (const request of await cache.keys()) total += (await (await cache.match(request)).blob()).size;
      sizes[name] = total;
    }
    return sizes;
  });

for (const webgpu of [true, false]) {
  const name = webgpu ? 'WebGPU' : 'CPU';
  test(`${name} run: once visited and kept, the page opens, decodes and trains on MNIST and Fashion-MNIST with the network off`, { timeout: LONG * 4 }, async () => {
    const browser = await launch({ webgpu, serviceWorkers: 'allow' });
    const { page, errors } = browser;
    try {
      await page.goto(webgpu ? server.url : `${server.url}?backend=cpu`);
      await offlineReady(page);
      await page.click('#keep-offline');
      await page.waitForSelector('#offline[data-state="all"]', { timeout: LONG });
      const sizes = await cacheSizes(page);
      const total = Object.values(sizes).reduce((a, b) => a + b, 0);
      console.log(`[${name}] offline caches: ${Object.entries(sizes).map(([n, b]) => `${n} ${(b / 1e6).toFixed(2)} MB`).join(', ')}; ${(total / 1e6).toFixed(2)} MB in all`);

      await page.context().setOffline(true);
      const answered = [];
      page.on('response', (response) => answered.push(response));
      await page.reload();
      await ready(page);
      await steps(page, 2);
      await page.selectOption('#dataset', 'fashion');
      await page.waitForSelector('#data-status[data-count="10000"]', { timeout: LONG });
      await steps(page, 2);
      const decoded = await page.getAttribute('#decoded', 'data-z');
      assert.ok(decoded, 'a decoded image is drawn');
      // Models save and open without the network too.
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('#save-model')]);
      const file = path.join(tmpdir(), `vae-e2e-${process.pid}-offline.vae`);
      await download.saveAs(file);
      await page.setInputFiles('#open-model', file);
      await page.waitForFunction(() => /^Opened VAE-MLP-2/.test(document.querySelector('#model-message')?.textContent), null, { timeout: LONG });
      await rm(file, { force: true });
      const fromNetwork = answered.filter((r) => !r.fromServiceWorker() && !r.url().startsWith('data:') && !r.url().startsWith('blob:'));
      assert.deepEqual(fromNetwork.map((r) => r.url()), [], 'every request is answered by the service worker');
      if (webgpu) assert.equal(await page.getAttribute('#backend', 'data-backend'), 'webgpu', 'trained on WebGPU, its trainer from the cache');
      console.log(`[${name}] offline run: ${answered.length} requests, all from the service worker`);
      await browser.screenshot(`offline-fashion-${name.toLowerCase()}`);
      assert.deepEqual(errors, []);
    } finally {
      await browser.page.context().setOffline(false).catch(() => {});
      await browser.close();
    }
  });
}

test('installable: Chromium finds no installability errors', { timeout: LONG }, async () => {
  const browser = await launch({ webgpu: false, serviceWorkers: 'allow' });
  const { page, errors } = browser;
  try {
    await page.goto(`${server.url}?backend=cpu`);
    await offlineReady(page);
    const cdp = await page.context().newCDPSession(page);
    const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
    assert.deepEqual(installabilityErrors, []);
    const manifest = await cdp.send('Page.getAppManifest');
    assert.deepEqual(manifest.errors, []);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});

test('update: a new build waits until the user reloads into it, and the work goes on', { timeout: LONG * 3 }, async () => {
  // Build B: this build with another id, as a new deployment's service worker would differ.
  const folder = await mkdtemp(path.join(tmpdir(), 'vae-build-b-'));
  await cp(dist, folder, { recursive: true });
  const worker = path.join(folder, 'sw.js');
  const source = await readFile(worker, 'utf8');
  const buildA = source.match(/const BUILD = "([0-9a-f]+)"/)[1];
  await writeFile(worker, source.replace(`const BUILD = "${buildA}"`, `const BUILD = "${buildA}b"`));
  const browser = await launch({ webgpu: false, serviceWorkers: 'allow' });
  const { page, errors } = browser;
  try {
    server.serve(dist);
    await page.goto(`${server.url}?backend=cpu`);
    await offlineReady(page);
    assert.equal(await page.getAttribute('#offline', 'data-build'), buildA);
    await page.click('#reset');
    await steps(page, 3);
    server.serve(folder);
    await page.evaluate(() => navigator.serviceWorker.getRegistration().then((r) => r.update()));
    await page.waitForSelector('#update', { timeout: LONG });
    // Nothing changes until the user says so.
    assert.equal(await page.getAttribute('#offline', 'data-build'), buildA);
    const step = await stepCount(page);
    await Promise.all([page.waitForEvent('load', { timeout: LONG }), page.click('#update')]);
    await page.waitForSelector(`#offline[data-build="${buildA}b"]`, { timeout: LONG });
    await page.waitForSelector('#model-message', { timeout: LONG });
    assert.match(await page.textContent('#model-message'), new RegExp(`Resumed where you left off, at step ${step}`));
    assert.deepEqual(errors, []);
  } finally {
    server.serve(dist);
    await browser.close();
    await rm(folder, { recursive: true, force: true });
  }
});

test('sub-path: the same build works under /course/vae/', { timeout: LONG * 2 }, async () => {
  const course = await serveDist({ prefix: '/course/vae/' });
  const browser = await launch({ webgpu: false, serviceWorkers: 'allow' });
  const { page, errors } = browser;
  try {
    await page.goto(`${course.url}?backend=cpu`);
    await page.waitForSelector('#decoded[data-z]:not([data-z=""])', { timeout: LONG });
    await page.waitForSelector('#latent-plane[data-points="1000"]', { timeout: LONG });
    await steps(page, 2);
    await offlineReady(page);
    const scope = await page.evaluate(() => navigator.serviceWorker.getRegistration().then((r) => r.scope));
    assert.equal(new URL(scope).pathname, '/course/vae/');
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    await course.close();
  }
});

test('embed: inside an iframe of another site, the page trains and drags, and says what the browser allows it there', { timeout: LONG * 2 }, async () => {
  // Another origin: localhost, not 127.0.0.1.
  const embedded = withHooks(`${server.url}?backend=cpu`).replace(/#.*/, '') + '#embed';
  const host = createServer((_, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><title>A course page</title><h1>Week 3: latent spaces</h1>
      <iframe src="${embedded}" width="900" height="640" title="VAE Playground"></iframe>`);
  });
  await new Promise((resolve) => host.listen(0, 'localhost', resolve));
  const browser = await launch({ webgpu: false, serviceWorkers: 'allow' });
  const { page, errors } = browser;
  try {
    await page.goto(`http://localhost:${host.address().port}/`);
    const frame = page.frameLocator('iframe');
    await frame.locator('#train:not([disabled])').waitFor({ timeout: LONG });
    await frame.locator('#latent-plane[data-points="1000"]').waitFor({ timeout: LONG });
    const count = () => frame.locator('#step-count').textContent().then(Number);
    const before = await count();
    await frame.locator('#train').click();
    const inner = page.frames().find((f) => f !== page.mainFrame());
    await inner.waitForFunction((n) => Number(document.querySelector('#step-count').textContent) >= n + 5, before, { timeout: LONG });
    await frame.locator('#train').click();
    // A drag on the plane moves the decoded image.
    const z0 = await frame.locator('#decoded').getAttribute('data-z');
    const box = await frame.locator('#latent-plane').boundingBox();
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.3);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.7, box.y + box.height * 0.6, { steps: 8 });
    await page.mouse.up();
    await inner.waitForFunction((z) => document.querySelector('#decoded').dataset.z !== z, z0, { timeout: LONG });
    assert.match(await frame.locator('#open-full').getAttribute('href'), /^http:\/\/127\.0\.0\.1:\d+\/\?backend=cpu&test-hooks=1#data=mnist&/);
    // What a cross-origin iframe may do here, for the record.
    const allowed = await inner.evaluate(async () => {
      const result = {};
      result.worker = typeof Worker === 'function';
      result.serviceWorker = await navigator.serviceWorker
        ?.getRegistration()
        .then((r) => (r ? 'registered' : 'none'), (e) => `refused: ${e.message}`);
      result.indexedDB = await new Promise((done) => {
        const open = indexedDB.open('vae-playground', 1);
        open.onsuccess = () => done('usable (partitioned by the top-level site)');
        open.onerror = () => done(`refused: ${open.error}`);
      });
      result.clipboard = await navigator.clipboard.writeText('x').then(() => 'allowed', (e) => `refused: ${e.name}`);
      return result;
    });
    console.log(`in a cross-origin iframe: ${JSON.stringify(allowed)}`);
    assert.equal(allowed.worker, true);
    // The probe's own clipboard call is refused with a console error: not the page's.
    const own = errors.filter((e) => !/Clipboard API has been blocked/.test(e));
    errors.length = 0;
    errors.push(...own);
    // Where the browser refuses the page its storage, the page says so rather than losing work
    // silently.
    if (allowed.indexedDB.startsWith('refused')) {
      await frame.locator('#embed-note').waitFor({ timeout: 30_000 });
      assert.match(await frame.locator('#embed-note').textContent(), /cannot be kept in this browser here/);
    }
    await browser.screenshot('offline-embed');
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    await new Promise((r) => host.close(r));
  }
});
