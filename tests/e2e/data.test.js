// Datasets as a user meets them: the bundled ones at a click, their own files (good and bad)
// through the file input, and drawings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServer, launch } from './harness.js';
import { greyPng, idx, square } from './fixtures.js';

const server = useServer();

const LONG = 180_000;

const count = (page) => page.getAttribute('#data-status', 'data-count').then(Number);

async function choose(page, key) {
  const start = Date.now();
  await page.selectOption('#dataset', key);
  await page.waitForSelector('#data-status[data-count]', { timeout: LONG });
  return Date.now() - start;
}

test('bundled datasets load at a click, with their pretrained models', { timeout: LONG * 3 }, async () => {
  const browser = await launch({ webgpu: false });
  const { page, errors } = browser;
  try {
    await page.goto(`${server.url}?backend=cpu`);
    await page.waitForSelector('#data-status[data-count="10000"]', { timeout: LONG });
    for (const [key, name] of [
      ['fashion', 'Fashion-MNIST'],
      ['shapes', 'Shapes'],
      ['mnist', 'MNIST'],
    ]) {
      const ms = await choose(page, key);
      assert.equal(await count(page), 10000);
      assert.match(await page.textContent('#data-status'), new RegExp(`^${name}: 10000 images, 28×28 grey`));
      await page.waitForSelector('#pretrained-status[data-state="in-use"]', { timeout: LONG });
      await page.waitForFunction(() => document.querySelector('#train')?.disabled === false, null, { timeout: LONG });
      console.log(`${name}: chosen → data ready in ${ms} ms`);
      await browser.screenshot(`data-${key}`);
    }
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});

test('own files: good ones are used, each bad one is named with its reason', { timeout: LONG * 2 }, async () => {
  const browser = await launch({ webgpu: false });
  const { page, errors } = browser;
  try {
    await page.goto(`${server.url}?backend=cpu`);
    await page.waitForSelector('#data-status[data-count="10000"]', { timeout: LONG });
    await page.selectOption('#dataset', 'own');
    await page.waitForSelector('#upload');
    const png = (i, w = 28, h = 28) => greyPng(w, h, square(i));
    const good = Array.from({ length: 30 }, (_, i) => ({ name: `square-${i}.png`, mimeType: 'image/png', buffer: png(i) }));
    const whole = png(3);
    const files = [
      ...good,
      { name: 'wide.png', mimeType: 'image/png', buffer: png(5, 40, 30) },
      { name: 'digits-idx3-ubyte', mimeType: 'application/octet-stream', buffer: idx([4, 28, 28], new Array(4 * 784).fill(90)) },
      { name: 'empty.png', mimeType: 'image/png', buffer: Buffer.alloc(0) },
      { name: 'truncated.png', mimeType: 'image/png', buffer: whole.subarray(0, whole.length - 30) },
      { name: 'notes.png', mimeType: 'image/png', buffer: Buffer.from('these are my notes, not an image') },
      { name: 'wrong-idx3-ubyte', mimeType: 'application/octet-stream', buffer: idx([5, 28, 28], new Array(100).fill(0)) },
    ];
    await page.setInputFiles('#upload', files);
    await page.waitForSelector('#data-status[data-count]', { timeout: LONG });
    assert.equal(await count(page), 30 + 1 + 4);
    assert.match(await page.textContent('#data-status'), /35 images, 28×28 grey, unlabelled; 1 resized/);
    const problems = await page.$$eval('#upload-problems li', (items) => items.map((li) => li.textContent));
    assert.deepEqual(problems, [
      'empty.png: the file is empty',
      problems[1],
      'notes.png: not a PNG, JPEG, GIF, WebP or BMP image',
      'wrong-idx3-ubyte: the header promises 3920 bytes of data, the file holds 100',
    ]);
    assert.match(problems[1], /^truncated\.png: the PNG data is damaged or cut short/);
    await page.waitForFunction(() => document.querySelector('#step')?.disabled === false, null, { timeout: LONG });
    await page.click('#step');
    await page.waitForFunction(() => Number(document.querySelector('#step-count').textContent) >= 1, null, { timeout: LONG });
    await browser.screenshot('data-own-upload');

    // A drawing joins the same data, labelled.
    await page.locator('#drawing-pad').scrollIntoViewIfNeeded();
    const pad = await page.locator('#drawing-pad').boundingBox();
    await page.mouse.move(pad.x + pad.width * 0.3, pad.y + pad.height * 0.2);
    await page.mouse.down();
    await page.mouse.move(pad.x + pad.width * 0.6, pad.y + pad.height * 0.5, { steps: 8 });
    await page.mouse.move(pad.x + pad.width * 0.4, pad.y + pad.height * 0.8, { steps: 8 });
    await page.mouse.up();
    await page.fill('#drawing-label', '7');
    await page.click('#add-drawing');
    await page.waitForFunction(() => document.querySelector('#data-status')?.dataset.count === '36', null, { timeout: LONG });
    await browser.screenshot('data-own-drawing');
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});

test('Shapes: count, size and seed are settable; the plane colours by each true factor', { timeout: LONG * 2 }, async () => {
  const browser = await launch({ webgpu: false });
  const { page, errors } = browser;
  try {
    await page.goto(`${server.url}?backend=cpu#data=shapes`);
    await page.waitForSelector('#data-status[data-count="10000"]', { timeout: LONG });
    await page.waitForSelector('#latent-plane[data-points="1000"]', { timeout: LONG });
    const plane = () =>
      page.evaluate(() => {
        const c = document.querySelector('#latent-plane');
        return Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data);
      });
    const byKind = await plane();
    // The menu says what the plane colours by (it once read "rotation" while colouring by kind).
    assert.equal(await page.inputValue('#colour-by'), '0');
    await page.selectOption('#colour-by', '3');
    assert.equal(await page.getAttribute('#latent-plane', 'data-colour-by'), '3');
    assert.notDeepEqual(await plane(), byKind, 'colouring by scale should recolour the points');
    await browser.screenshot('data-shapes-by-scale');

    await page.selectOption('#shapes-count', '1000');
    await page.waitForSelector('#data-status[data-count="1000"]', { timeout: LONG });
    assert.equal(await page.textContent('#dataset option[value="shapes"]'), 'Shapes, generated (1,000)');
    assert.equal(await page.inputValue('#colour-by'), '0', 'new data colours by kind again');
    await page.selectOption('#shapes-size', '32');
    await page.waitForFunction(() => /1000 images, 32×32 grey/.test(document.querySelector('#data-status')?.textContent), null, { timeout: LONG });
    // No pretrained model at 32×32: the session starts fresh and trains.
    await page.waitForSelector('#step:not([disabled])', { timeout: LONG });
    await page.click('#step');
    await page.waitForFunction(() => Number(document.querySelector('#step-count').textContent) === 1, null, { timeout: LONG });
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});
