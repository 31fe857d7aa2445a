// Nothing is lost: reload mid-training and carry on; save a model and open it in another
// browser profile; a corrupt file changes nothing; a share link opens its view.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { useServer, launch, stepCount, ready } from './harness.js';

const server = useServer();

const LONG = 180_000;

const chartPoints = (page) => page.getAttribute('#loss-chart', 'data-points').then(Number);
const decoded = (page) =>
  page.evaluate(() => {
    const canvas = document.querySelector('#decoded');
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    return { z: canvas.dataset.z, pixels: Array.from({ length: data.length / 4 }, (_, i) => data[i * 4]) };
  });

async function trainSome(page, steps) {
  await ready(page);
  await page.click('#train');
  await page.waitForFunction((n) => Number(document.querySelector('#step-count').textContent) >= n, steps, { timeout: LONG });
  await page.click('#train');
  await page.waitForFunction(() => document.querySelector('#train').textContent === 'Train', null, { timeout: LONG });
}

test('a reload mid-training resumes at the same step, history and decoding', { timeout: LONG * 3 }, async () => {
  const browser = await launch({ webgpu: false });
  const { page, errors } = browser;
  try {
    await page.goto(`${server.url}?backend=cpu`);
    await ready(page);
    await page.click('#reset');
    await trainSome(page, 40);
    const step = await stepCount(page);
    // The autosave catches up with the paused model within its period.
    await page.waitForSelector(`#autosave[data-step="${step}"]`, { timeout: 30_000 });
    const points = await chartPoints(page);
    const before = await decoded(page);
    assert.equal(points, step);

    await page.reload();
    await page.waitForSelector('#model-message', { timeout: LONG });
    assert.match(await page.textContent('#model-message'), new RegExp(`Resumed where you left off, at step ${step}`));
    await ready(page);
    assert.equal(await stepCount(page), step);
    assert.equal(await chartPoints(page), points);
    await page.waitForFunction((z) => document.querySelector('#decoded').dataset.z === z, before.z, { timeout: LONG });
    assert.deepEqual((await decoded(page)).pixels, before.pixels, 'the same decoder output after the reload');
    await browser.screenshot('persist-resumed');

    // Training carries on from there.
    await trainSome(page, step + 5);
    assert.ok((await chartPoints(page)) > points);

    // Start over clears it: a reload opens the pretrained model again.
    await page.click('#start-over');
    await page.waitForSelector('#pretrained-status[data-state="in-use"]', { timeout: LONG });
    await page.reload();
    await page.waitForSelector('#pretrained-status[data-state="in-use"]', { timeout: LONG });
    assert.equal(await page.$('#model-message'), null);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});

test('a saved model opens identically in a fresh profile; corrupt files change nothing', { timeout: LONG * 3 }, async () => {
  const file = path.join(tmpdir(), `vae-e2e-${process.pid}.vae`);
  let saved;
  {
    const browser = await launch({ webgpu: false });
    const { page, errors } = browser;
    try {
      await page.goto(`${server.url}?backend=cpu`);
      await ready(page);
      await page.click('#reset');
      await trainSome(page, 20);
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('#save-model')]);
      assert.match(download.suggestedFilename(), /^vae-mnist-step\d+\.vae$/);
      await download.saveAs(file);
      console.log(`saved model file (weights, optimizer state, history): ${(await readFile(file)).length} bytes`);
      await page.waitForSelector('#model-message', { timeout: LONG });
      saved = { step: await stepCount(page), points: await chartPoints(page), view: await decoded(page) };

      // Exports: 64 prior samples as IDX.
      const [idx] = await Promise.all([page.waitForEvent('download'), page.click('#export-idx')]);
      const idxFile = `${file}.idx`;
      await idx.saveAs(idxFile);
      const bytes = await readFile(idxFile);
      assert.equal(bytes.length, 16 + 64 * 784);
      assert.deepEqual([...bytes.subarray(0, 8)], [0, 0, 8, 3, 0, 0, 0, 64]);
      // The same as a zip of PNGs, and the decoded image and the manifold as PNGs.
      for (const [button, name, magic] of [
        ['#export-zip', 'samples.zip', [0x50, 0x4b, 3, 4]],
        ['#export-decoded', 'decoded.png', [0x89, 0x50, 0x4e, 0x47]],
        ['#export-manifold', 'manifold.png', [0x89, 0x50, 0x4e, 0x47]],
      ]) {
        const [download] = await Promise.all([page.waitForEvent('download'), page.click(button)]);
        assert.equal(download.suggestedFilename(), name);
        const out = `${file}.${name}`;
        await download.saveAs(out);
        const got = await readFile(out);
        assert.deepEqual([...got.subarray(0, 4)], magic, name);
        if (name === 'samples.zip') assert.equal(got.toString('latin1').split('samples/').length - 1, 2 * 64, 'local and central entries of 64 PNGs');
        // PNGs for slides by default: whole pixels repeated to at least 1024 px (IHDR's width).
        if (name === 'decoded.png') assert.equal(got.readUInt32BE(16), 28 * 37, 'the decoded image at 1036 px');
        if (name === 'manifold.png') assert.equal(got.readUInt32BE(16), 336 * 4, 'the manifold at 1344 px');
      }
      await page.selectOption('#export-size', '0');
      const [plain] = await Promise.all([page.waitForEvent('download'), page.click('#export-decoded')]);
      await plain.saveAs(`${file}.plain.png`);
      assert.equal((await readFile(`${file}.plain.png`)).readUInt32BE(16), 28, 'or as it is');
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
    }
  }

  const browser = await launch({ webgpu: false });
  const { page, errors } = browser;
  try {
    await page.goto(`${server.url}?backend=cpu`);
    await ready(page);
    const pretrained = await decoded(page);

    // A random file and a truncated one: a clear message, and the model is untouched.
    const bytes = await readFile(file);
    await page.setInputFiles('#open-model', { name: 'junk.vae', mimeType: 'application/octet-stream', buffer: Buffer.from('definitely not a model') });
    await page.waitForSelector('#model-error', { timeout: LONG });
    assert.match(await page.textContent('#model-error'), /junk\.vae: not a VAE Playground model file\. The current model is unchanged/);
    const cut = path.join(tmpdir(), `vae-e2e-${process.pid}-cut.vae`);
    await writeFile(cut, bytes.subarray(0, bytes.length >> 1));
    await page.setInputFiles('#open-model', cut);
    await page.waitForFunction(() => /cut short/.test(document.querySelector('#model-error').textContent), null, { timeout: LONG });
    assert.deepEqual(await decoded(page), pretrained, 'the old model still draws the same');
    await browser.screenshot('persist-corrupt-file');

    await page.setInputFiles('#open-model', file);
    await page.waitForSelector('#model-message', { timeout: LONG });
    assert.match(await page.textContent('#model-message'), new RegExp(`Opened VAE-MLP-2 \\[512\\] at step ${saved.step}, with the optimizer's state`));
    await ready(page);
    assert.equal(await stepCount(page), saved.step);
    assert.equal(await chartPoints(page), saved.points);
    await page.waitForFunction((z) => document.querySelector('#decoded').dataset.z === z, saved.view.z, { timeout: LONG });
    assert.deepEqual(await decoded(page), saved.view, 'identical pixels at the same latent point');
    await browser.screenshot('persist-opened');
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});

test('a share link opens its data, settings and cursor', { timeout: LONG }, async () => {
  const browser = await launch({ webgpu: false });
  const { page, errors } = browser;
  try {
    await page.goto(`${server.url}?backend=cpu#data=fashion&lr=0.003&batch=64&beta=2&gan=0&gamma=10&seed=5&z=1.500,-0.500&view=0.5,0.5,2`);
    await page.waitForSelector('#data-status[data-count="10000"]', { timeout: LONG });
    assert.match(await page.textContent('#data-status'), /^Fashion-MNIST/);
    await page.waitForFunction(() => document.querySelector('#decoded').dataset.z === '1.5,-0.5', null, { timeout: LONG });
    await ready(page);
    assert.equal(await page.inputValue('#learning-rate'), '0.003');
    assert.equal(await page.inputValue('#batch-size'), '64');
    assert.equal(await page.inputValue('#beta'), '2');
    await page.waitForSelector('#latent-plane[data-points="1000"]', { timeout: LONG });
    assert.equal(await page.getAttribute('#latent-plane', 'data-half-width'), '2');
    assert.equal(await page.getAttribute('#latent-plane', 'data-centre'), '0.5,0.5');
    const { pixels } = await decoded(page);
    assert.ok(pixels.some((v) => v > 0), 'a decoding is drawn without training');

    // Sharing writes the current view back into the address.
    await page.click('#share');
    const url = await page.inputValue('#share-url');
    // What the link carries, said where it is given; copied where the browser lets the page.
    assert.match(await page.textContent('#model-panel'), /carries the dataset, the settings, the cursor and the view — not the trained model/);
    await page.waitForFunction(() => /link is copied|Copy the link below/.test(document.querySelector('#model-message')?.textContent), null, { timeout: LONG });
    assert.match(url, /#data=fashion&lr=0\.003&batch=64&beta=2&gan=0&gamma=10&seed=5&z=1\.5,-0\.5&view=0\.5,0\.5,2$/);
    await browser.screenshot('persist-share-link');
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});

test('the pretrained VAE-GAN opens with its discriminator and trains on', { timeout: LONG }, async () => {
  const browser = await launch({ webgpu: false });
  const { page, errors } = browser;
  try {
    await page.goto(`${server.url}?backend=cpu`);
    await ready(page);
    const plain = await decoded(page);
    await page.click('#pretrained-gan');
    await page.waitForFunction(() => /VAE-GAN, with its discriminator/.test(document.querySelector('#pretrained-status')?.textContent), null, { timeout: LONG });
    assert.equal(await page.getAttribute('#pretrained-status', 'data-state'), 'in-use');
    await ready(page);
    assert.equal(await page.isChecked('#discriminator'), true);
    await page.waitForFunction((before) => {
      const canvas = document.querySelector('#decoded');
      const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      return Array.from({ length: data.length / 4 }, (_, i) => data[i * 4]).some((v, i) => v !== before[i]);
    }, plain.pixels, { timeout: LONG });
    // It opens where its native training got to (its epochs on the chart), and goes on from there.
    const step = await stepCount(page);
    const epoch = Number(await page.textContent('#epoch'));
    assert.ok(epoch > 0, 'the native trainer\'s epochs should show');
    await page.click('#step');
    await page.waitForSelector('#d-loss', { timeout: LONG });
    assert.equal(await stepCount(page), step + 1);
    assert.equal(Number(await page.textContent('#epoch')), epoch, 'a step should not reset the epoch count');
    await browser.screenshot('persist-vae-gan');
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});
