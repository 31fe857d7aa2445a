// A benchmark, not a timed test: how long a cold visitor waits for the first decoded image, and
// how many bytes the page costs before any dataset is fetched. Prints its figures; run it
// against the release build for the numbers that matter: DIST_DIR=… node --test load.test.js
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import path from 'node:path';
import { useServer, launch, dist } from './harness.js';

const server = useServer();

const LONG = 180_000;

/** Raw, gzipped and brotli sizes of dist files, printed one by one; returns the totals. */
async function sizes(files) {
  const total = { raw: 0, gzipped: 0, brotli: 0 };
  for (const file of files) {
    const bytes = await readFile(path.join(dist, file));
    const packed = gzipSync(bytes, { level: 9 }).length;
    // Many static hosts serve brotli to browsers that accept it (all current ones do).
    const squeezed = brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
    total.raw += bytes.length;
    total.gzipped += packed;
    total.brotli += squeezed;
    console.log(`${file}: ${(bytes.length / 1e6).toFixed(2)} MB, ${(packed / 1e6).toFixed(2)} MB gzipped, ${(squeezed / 1e6).toFixed(2)} MB brotli`);
  }
  return total;
}

const mb = ({ raw, gzipped, brotli }) =>
  `${(raw / 1e6).toFixed(2)} MB, ${(gzipped / 1e6).toFixed(2)} MB gzipped, ${(brotli / 1e6).toFixed(2)} MB brotli`;

test('transfer size at open, before any dataset: everything the page fetches, gzipped', { timeout: LONG }, async () => {
  // What a visitor's browser actually fetches (WebGPU available, so nothing is skipped for its
  // lack) until the page shows its first decoded image, less the dataset's files. The service
  // worker registers after that and caches the page for offline use in the background: its
  // fetches are its own, counted apart.
  const browser = await launch({ webgpu: true, serviceWorkers: 'allow' });
  const { page, errors } = browser;
  try {
    const fetched = new Set();
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (url.href.startsWith(server.url)) fetched.add(url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname.slice(1)));
    });
    await page.goto(server.url);
    await page.waitForSelector('#decoded[data-z]:not([data-z=""])', { timeout: LONG });
    await page.waitForSelector('#latent-plane[data-points="1000"]', { timeout: LONG });
    // Whatever else the page fetches before it rests.
    await page.waitForLoadState('networkidle');
    const files = [...fetched].filter((f) => !/^(mnist|fashion-mnist)\//.test(f)).sort();
    const total = await sizes(files);
    console.log(`total at open: ${mb(total)} (target: under 3 MB gzipped)`);
    assert.ok(files.some((f) => f.endsWith('.wasm')) && files.includes('models/mnist-mlp2.vae'));
    assert.ok(!files.some((f) => f.includes('vae-trainer-webgpu')), 'the WebGPU trainer loads only when the user trains');
    // Then, in the background: the offline cache.
    await page.waitForSelector('#offline[data-build]:not([data-build=""])', { timeout: LONG });
    const cached = await page.evaluate(async () => {
      let total = 0;
      for (const name of await caches.keys()) {
        const cache = await caches.open(name);
        for (const request of await cache.keys()) total += (await (await cache.match(request)).blob()).size;
      }
      return total;
    });
    console.log(`cached for offline use after the first image, in the background: ${(cached / 1e6).toFixed(2)} MB (raw)`);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
  const trainer = await sizes(['vae-trainer-webgpu.js', 'vae-trainer-webgpu_bg.wasm']);
  console.log(`the WebGPU trainer, fetched the first time the user trains on WebGPU: ${mb(trainer)}`);
});

for (const webgpu of [true, false]) {
  const name = webgpu ? 'WebGPU' : 'CPU';
  test(`${name}: navigation to the first decoded image, cold cache`, { timeout: LONG }, async () => {
    const browser = await launch({ webgpu, serviceWorkers: 'allow' });
    const { page, errors } = browser;
    try {
      await page.goto(server.url);
      const handle = await page.waitForFunction(() => {
        const canvas = document.querySelector('#decoded');
        return canvas?.dataset.z ? performance.now() : null;
      }, null, { timeout: LONG, polling: 'raf' });
      const ms = await handle.jsonValue();
      console.log(`${name}: first decoded image ${ms.toFixed(0)} ms after navigation (target: under 1500 ms)`);
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
    }
  });
}
