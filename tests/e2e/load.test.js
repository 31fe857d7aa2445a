// A benchmark, not a timed test: how long a cold visitor waits for the first decoded image, and
// how many bytes the page costs before any dataset is fetched. Prints its figures; run it
// against the release build for the numbers that matter: DIST_DIR=… node --test load.test.js
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import path from 'node:path';
import { useServer, launch, dist } from './harness.js';

const server = useServer();

const LONG = 180_000;

test('transfer size before any dataset: wasm + js + css + the pretrained model, gzipped', async () => {
  const files = (await readdir(dist)).filter((f) => /\.(wasm|js|css|html)$/.test(f));
  files.push(path.join('models', 'mnist-mlp2.vae'));
  let raw = 0;
  let gzipped = 0;
  // Many static hosts serve brotli to browsers that accept it (all current ones do).
  let brotli = 0;
  for (const file of files) {
    const bytes = await readFile(path.join(dist, file));
    const packed = gzipSync(bytes, { level: 9 }).length;
    const squeezed = brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
    raw += bytes.length;
    gzipped += packed;
    brotli += squeezed;
    console.log(`${file}: ${(bytes.length / 1e6).toFixed(2)} MB, ${(packed / 1e6).toFixed(2)} MB gzipped, ${(squeezed / 1e6).toFixed(2)} MB brotli`);
  }
  console.log(`total: ${(raw / 1e6).toFixed(2)} MB, ${(gzipped / 1e6).toFixed(2)} MB gzipped, ${(brotli / 1e6).toFixed(2)} MB brotli (target: under 3 MB)`);
  assert.ok(gzipped > 0);
});

for (const webgpu of [true, false]) {
  const name = webgpu ? 'WebGPU' : 'CPU';
  test(`${name}: navigation to the first decoded image, cold cache`, { timeout: LONG }, async () => {
    const browser = await launch({ webgpu });
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
