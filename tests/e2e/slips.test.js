// A classroom's slips, made on purpose: the same file picked twice, hostile share links, a size
// change then another dataset, switching datasets while training, damaged storage, a worker that
// stops, a reload during an autosave. The page keeps working, says what happened, and nothing the
// user made is lost.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { useServer, launch, stepCount, ready } from './harness.js';
import { npy } from './fixtures.js';

const server = useServer();

const LONG = 180_000;

const fatal = (page) => page.evaluate(() => document.querySelector('#fatal:not([hidden])') !== null);
const message = (page) => page.textContent('#model-message').catch(() => '');

async function trainTo(page, steps) {
  await ready(page);
  await page.click('#train');
  await page.waitForFunction((n) => Number(document.querySelector('#step-count').textContent) >= n, steps, { timeout: LONG });
  await page.click('#train');
  await page.waitForSelector('#train:text("Train")', { timeout: LONG });
}

/** Writes `bytes` as the record `key` of the page's IndexedDB store, as a damaged disk would. */
const putRecord = (page, key, bytes) =>
  page.evaluate(
    ([key, bytes]) =>
      new Promise((done, fail) => {
        const open = indexedDB.open('vae-playground', 1);
        open.onerror = () => fail(open.error);
        open.onsuccess = () => {
          const write = open.result.transaction('autosave', 'readwrite').objectStore('autosave').put(new Uint8Array(bytes), key);
          write.onsuccess = () => done();
          write.onerror = () => fail(write.error);
        };
      }),
    [key, bytes],
  );

test('slips: the same file twice, a drawing after the pad remounts, then training and the autosave', { timeout: LONG * 2 }, async () => {
  const browser = await launch({ webgpu: false });
  const { page, errors } = browser;
  try {
    await page.goto(`${server.url}?backend=cpu`);
    await page.waitForSelector('#data-status[data-count="10000"]', { timeout: LONG });
    await page.selectOption('#dataset', 'own');
    const file = { name: 'blobs.npy', mimeType: 'application/octet-stream', buffer: npy([40, 28, 28], Array.from({ length: 40 * 784 }, (_, i) => (i * 7) % 256)) };
    await page.setInputFiles('#upload', file);
    await page.waitForSelector('#data-status[data-count="40"]', { timeout: LONG });
    await page.setInputFiles('#upload', file);
    await page.waitForSelector('#data-status[data-count="40"]', { timeout: LONG });
    assert.match(await page.textContent('#drop-zone'), /1 file so far/, 'the same file picked twice is one file');
    // A drawing, the pad remounted (another dataset and back), another drawing of the same name.
    const draw = async (to) => {
      await page.locator('#drawing-pad').scrollIntoViewIfNeeded();
      const pad = await page.locator('#drawing-pad').boundingBox();
      await page.mouse.move(pad.x + pad.width * 0.3, pad.y + pad.height * 0.3);
      await page.mouse.down();
      await page.mouse.move(pad.x + pad.width * to, pad.y + pad.height * 0.7, { steps: 6 });
      await page.mouse.up();
      await page.click('#add-drawing');
    };
    await draw(0.7);
    await page.waitForSelector('#data-status[data-count="41"]', { timeout: LONG });
    await page.selectOption('#dataset', 'mnist');
    await page.waitForSelector('#data-status[data-count="10000"]', { timeout: LONG });
    await page.selectOption('#dataset', 'own');
    // Another drawing (not the same strokes), under the same name as the first.
    await draw(0.5);
    await page.waitForSelector('#data-status[data-count="42"]', { timeout: LONG });
    assert.match(await page.textContent('#drop-zone'), /3 files so far/);
    // A file over the limit is refused from its size, before it is read, and is not kept.
    const huge = path.join(tmpdir(), `vae-e2e-${process.pid}-huge.png`);
    await writeFile(huge, Buffer.alloc(65 * 1024 * 1024, 1));
    try {
      await page.setInputFiles('#upload', huge);
      await page.waitForSelector('#upload-problems', { timeout: LONG });
      assert.match(await page.textContent('#upload-problems'), /huge\.png: 65 MB is larger than the 64 MB allowed per file/);
    } finally {
      await rm(huge, { force: true });
    }
    await page.waitForSelector('#data-status[data-count="42"]', { timeout: LONG });
    assert.match(await page.textContent('#drop-zone'), /3 files so far/);
    // Training goes on, and the autosave (which zips the files) writes without a word.
    await trainTo(page, 30);
    await page.waitForSelector('#autosave[data-step]:not([data-step=""])', { timeout: 30_000 });
    assert.equal(await fatal(page), false);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});

test('slips: a share link of the page itself, reloaded, resumes the work instead of starting over', { timeout: LONG * 2 }, async () => {
  const browser = await launch({ webgpu: false });
  const { page, errors } = browser;
  try {
    await page.goto(`${server.url}?backend=cpu`);
    await ready(page);
    await trainTo(page, (await stepCount(page)) + 15);
    await page.waitForSelector('#autosave[data-step]:not([data-step=""])', { timeout: 30_000 });
    const saved = Number(await page.getAttribute('#autosave', 'data-step'));
    await page.click('#share');
    await page.waitForSelector('#share-url');
    assert.match(await page.url(), /#data=mnist&/);
    await page.reload();
    await page.waitForFunction(() => /with your saved work at step/.test(document.querySelector('#model-message')?.textContent), null, { timeout: LONG });
    await ready(page);
    assert.equal(await stepCount(page), saved, 'the work goes on from where it was saved');
    // Another page's link keeps the saved work to open later.
    await page.goto(`${server.url}?backend=cpu&other#data=fashion&seed=9`);
    await page.waitForSelector('#kept li[data-dataset="mnist"]', { timeout: LONG });
    assert.match(await message(page), /Your saved work \(MNIST, VAE-MLP-2 \[512\], step \d+\) is kept/);
    await page.waitForSelector('#data-status[data-count="10000"]', { timeout: LONG });
    await page.click('#kept li[data-dataset="mnist"] .open-kept');
    await page.waitForSelector('#data-status[data-count="10000"]', { timeout: LONG });
    await ready(page);
    assert.equal(await stepCount(page), saved);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});

test('slips: hostile share links open a working page that says what it ignored', { timeout: LONG * 2 }, async () => {
  const browser = await launch({ webgpu: false });
  const { page, errors } = browser;
  try {
    for (const [i, [fragment, shown, lr, batch]] of [
      ['lr=NaN', /lr=NaN \(not a positive number\)/, '0.001', '128'],
      ['lr=inf&beta=inf', /lr=inf \(not a positive number\); beta=inf \(not a number from 0 to 100\)/, '0.001', '128'],
      ['lr=-1&gamma=inf', /lr=-1 \(not a positive number\)/, '0.001', '128'],
      ['batch=0&lr=0.002', /batch=0 \(the nearest offered, 32, is used\); lr=0\.002 \(the nearest offered, 0\.003, is used\)/, '0.003', '32'],
      ['data=mnist&%%%&z=NaN,1&view=1,2&latent=99', /“%%%” \(not a setting\); z=NaN,1 \(should be two numbers\)/, '0.001', '128'],
    ].entries()) {
      // A query of its own: a change of fragment alone would not load the page again.
      await page.goto(`${server.url}?backend=cpu&case=${i}#${fragment}`);
      await page.waitForSelector('#model-message', { timeout: LONG });
      assert.match(await message(page), shown, fragment);
      await ready(page);
      assert.equal(await page.inputValue('#learning-rate'), lr, `${fragment}: the select shows the rate in use`);
      assert.equal(await page.inputValue('#batch-size'), batch, fragment);
      const before = await stepCount(page);
      await page.click('#step');
      await page.waitForFunction((n) => Number(document.querySelector('#step-count').textContent) === n + 1, before, { timeout: LONG });
      const total = Number(await page.getAttribute('#total-loss', 'data-value'));
      assert.ok(Number.isFinite(total), `${fragment}: a step trains (total ${total})`);
    }
    await browser.screenshot('slips-hostile-link');
    // A typed β out of range is refused with a reason; the value in use stays.
    await page.fill('#beta', '-2');
    await page.press('#beta', 'Enter');
    await page.locator('#beta').blur();
    await page.waitForSelector('#weight-error', { timeout: LONG });
    assert.match(await page.textContent('#weight-error'), /β must be a number from 0 to 100: it stays as it was/);
    assert.equal(await fatal(page), false);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});

test('slips: Shapes at 64×64 then MNIST, and datasets switched while training keep their work', { timeout: LONG * 3 }, async () => {
  const browser = await launch({ webgpu: false });
  const { page, errors } = browser;
  try {
    await page.goto(`${server.url}?backend=cpu`);
    await ready(page);
    const pretrained = await stepCount(page);
    // MNIST trained on, then Shapes chosen while it trains.
    await page.click('#train');
    await page.waitForFunction((n) => Number(document.querySelector('#step-count').textContent) >= n + 20, pretrained, { timeout: LONG });
    await page.selectOption('#dataset', 'shapes');
    await page.waitForSelector('#kept li[data-dataset="mnist"]', { timeout: LONG });
    const kept = await page.textContent('#kept li[data-dataset="mnist"]');
    const keptStep = Number(kept.match(/step (\d+)/)[1]);
    assert.ok(keptStep >= pretrained + 20, `the MNIST model is kept at its step: ${kept}`);
    // Shapes at 64×64 (drawn in slices, with progress), then back to MNIST.
    await page.waitForSelector('#data-status[data-count="10000"]', { timeout: LONG });
    await page.selectOption('#shapes-size', '64');
    await page.waitForFunction(() => /64×64 grey/.test(document.querySelector('#data-status')?.textContent), null, { timeout: LONG });
    await ready(page);
    await page.selectOption('#dataset', 'mnist');
    await page.waitForSelector('#data-status[data-count="10000"]', { timeout: LONG });
    await ready(page);
    assert.equal(await stepCount(page), keptStep, 'back on MNIST, the kept model at its step');
    assert.match(await message(page), /Back to your model \(MNIST, VAE-MLP-2 \[512\], step \d+\)/);
    await page.click('#step');
    await page.waitForFunction((n) => Number(document.querySelector('#step-count').textContent) === n + 1, keptStep, { timeout: LONG });
    await browser.screenshot('slips-datasets-switched');
    assert.equal(await fatal(page), false);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});

test('slips: damaged storage is kept and offered, a stopped worker is replaced, a reload during an autosave loses nothing', { timeout: LONG * 3 }, async () => {
  const browser = await launch({ webgpu: false });
  const { page, errors } = browser;
  try {
    await page.goto(`${server.url}?backend=cpu`);
    await ready(page);
    await page.click('#reset');
    await ready(page);

    // The worker stops mid-training: a fresh one carries on from the page's last weights.
    await page.click('#train');
    await page.waitForFunction(() => Number(document.querySelector('#step-count').textContent) >= 20, null, { timeout: LONG });
    const [worker] = page.workers();
    await worker.evaluate(() => setTimeout(() => { throw new Error('stopped for the test'); }));
    await page.waitForFunction(() => /The training worker stopped/.test(document.querySelector('#model-message')?.textContent), null, { timeout: LONG });
    const resumed = await stepCount(page);
    await page.waitForFunction((n) => Number(document.querySelector('#step-count').textContent) > n + 10, resumed, { timeout: LONG });
    assert.equal(page.workers().length, 1, 'a fresh worker trains');
    assert.ok(errors.length > 0 && errors.every((e) => /training worker/.test(e)), errors.join('\n'));
    errors.length = 0;
    await page.click('#train');
    await page.waitForSelector('#train:text("Train")', { timeout: LONG });

    // A reload while the page saves (it saves when hidden), after a save of its own.
    await page.waitForSelector('#autosave[data-step]:not([data-step=""])', { timeout: 30_000 });
    const before = Number(await page.getAttribute('#autosave', 'data-step'));
    const saved = await stepCount(page);
    await page.evaluate(() => {
      Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
      document.dispatchEvent(new Event('visibilitychange'));
    });
    await page.reload();
    await page.waitForSelector('#model-message', { timeout: LONG });
    const after = Number((await message(page)).match(/at step (\d+)/)?.[1]);
    assert.ok(after >= before && after <= saved, `resumed at a saved step (${before} to ${saved}): ${await message(page)}`);
    await ready(page);

    // A damaged session record: the page says so, keeps it aside and offers it.
    const garbage = Array.from({ length: 300 }, (_, i) => (i * 13) % 256);
    await putRecord(page, 'session', garbage);
    await page.reload();
    await page.waitForSelector('#damaged .download-damaged', { timeout: LONG });
    assert.match(await page.textContent('#model-error'), /could not be read \(the saved session: not a VAE Playground model file\)/);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#damaged .download-damaged')]);
    assert.equal(download.suggestedFilename(), 'damaged-session.bin');
    const bytes = await new Promise((done) => {
      download.createReadStream().then((stream) => {
        const parts = [];
        stream.on('data', (part) => parts.push(part));
        stream.on('end', () => done(Buffer.concat(parts)));
      });
    });
    assert.deepEqual([...bytes], garbage, 'the damaged record, byte for byte');
    await ready(page);
    // Still there on the next visit, until the user starts over.
    await page.reload();
    await page.waitForSelector('#damaged .download-damaged', { timeout: LONG });
    await browser.screenshot('slips-damaged-storage');
    assert.equal(await fatal(page), false);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});
