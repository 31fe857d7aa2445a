// "Where would my digit go?" and "can it fill in what is missing?": a drawing's posterior on the
// plane, stroke by stroke, and an erased image completed by the model — while it trains, with
// WebGPU (mouse) and on the CPU fallback (touch).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { useServer, launch, stepCount, screenshots } from './harness.js';
import { greyPng } from './fixtures.js';

const server = useServer();

const LONG = 180_000;
/** The marker's colour on the plane (`page::MARKER`). */
const MARKER = [0xc2, 0x18, 0x5b];

function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/**
 * Where the plane marks the pad's image, where the app's own encoder puts what the model sees
 * (the input canvas), and the plane's colours there. Read in one go, so that no new model comes
 * in between.
 */
const landing = (page) =>
  page.evaluate(async () => {
    const plane = document.querySelector('#latent-plane');
    const marker = plane.dataset.marker.split(',').map(Number);
    const input = document.querySelector('#probe-input');
    const data = input.getContext('2d').getImageData(0, 0, input.width, input.height).data;
    const pixels = Array.from({ length: data.length / 4 }, (_, i) => data[i * 4]);
    const encoded = await window.__vae.encode(pixels);
    // `View::canvas_from_latent`, on the plane's own pixels.
    const half = Number(plane.dataset.halfWidth);
    const [cx, cy] = plane.dataset.centre.split(',').map(Number);
    const x = Math.round(((encoded[0] - cx) / half + 1) / 2 * plane.width);
    const y = Math.round((1 - (encoded[1] - cy) / half) / 2 * plane.height);
    // A 5×5 block inside the marker's diamond (7 px to a corner): the cursor, drawn on top as it
    // is here (thin, no grid's halo), can cross the diamond with its ring or an arm but never
    // cover the whole block.
    const block = plane.getContext('2d').getImageData(x - 2, y - 2, 5, 5).data;
    const colours = Array.from({ length: 25 }, (_, i) => Array.from(block.slice(i * 4, i * 4 + 3)));
    return { marker, encoded, colours };
  });

async function expectLandsWhereEncoded(page, what) {
  const { marker, encoded, colours } = await landing(page);
  assert.equal(marker.length, 2, `${what}: the plane should mark the image`);
  // The input canvas holds the model's input rounded to bytes: a few thousandths of a unit.
  for (let i = 0; i < 2; i += 1) {
    assert.ok(Math.abs(marker[i] - encoded[i]) < 0.02, `${what}: the mark ${marker} should be where the app encodes the image, ${encoded}`);
  }
  const shown = colours.filter((c) => c.every((v, i) => v === MARKER[i])).length;
  assert.ok(shown > 0, `${what}: the plane should show the marker at ${encoded}, not ${JSON.stringify(colours[12])}`);
  return marker;
}

/** Draws one stroke on the pad through `points` (fractions of its size), by mouse or finger. */
async function stroke(page, points, touch) {
  await page.locator('#probe-pad').scrollIntoViewIfNeeded();
  const box = await page.locator('#probe-pad').boundingBox();
  const at = ([fx, fy]) => ({ x: box.x + fx * box.width, y: box.y + fy * box.height });
  const path = [];
  for (let i = 1; i < points.length; i += 1) {
    for (let k = 0; k < 16; k += 1) {
      const [a, b] = [points[i - 1], points[i]];
      path.push(at([a[0] + ((b[0] - a[0]) * k) / 16, a[1] + ((b[1] - a[1]) * k) / 16]));
    }
  }
  path.push(at(points[points.length - 1]));
  if (touch) {
    const cdp = await page.context().newCDPSession(page);
    const send = (type, touchPoints) => cdp.send('Input.dispatchTouchEvent', { type, touchPoints });
    await send('touchStart', [path[0]]);
    for (const point of path.slice(1)) {
      await send('touchMove', [point]);
      await page.waitForTimeout(16);
    }
    await send('touchEnd', []);
    await cdp.detach();
  } else {
    await page.mouse.move(path[0].x, path[0].y);
    await page.mouse.down();
    for (const point of path.slice(1)) {
      await page.mouse.move(point.x, point.y);
      await page.waitForTimeout(16);
    }
    await page.mouse.up();
  }
  await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
}

/** A canvas's own pixels, RGB, row-major. */
const rgb = (page, selector) =>
  page.evaluate((selector) => {
    const canvas = document.querySelector(selector);
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    return { width: canvas.width, height: canvas.height, data: Array.from(data) };
  }, selector);

/** Completes the image as it is by `button`, and waits for the result. */
async function complete(page, button) {
  const runs = Number(await page.getAttribute('#complete-status', 'data-runs'));
  await page.click(button);
  await page.waitForSelector(`#complete-status[data-runs="${runs + 1}"]`, { timeout: LONG });
  assert.equal(await page.getAttribute('#complete-status', 'data-state'), 'done', await page.textContent('#complete-status'));
  return Number(await page.getAttribute('#complete-status', 'data-ms'));
}

/**
 * The completion strip's last image is the image with its erased pixels (red on the subject)
 * taken from the app's own decoding of the search's z, its known pixels as they were.
 */
async function expectCompletionIsDecoded(page) {
  const { subject, steps, z, decoded } = await page.evaluate(async () => {
    const read = (selector) => {
      const canvas = document.querySelector(selector);
      return { width: canvas.width, data: Array.from(canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data) };
    };
    const z = document.querySelector('#complete-steps').dataset.z.split(',').map(Number);
    return { subject: read('#complete-subject'), steps: read('#complete-steps'), z, decoded: await window.__vae.decodeLatent(z) };
  });
  assert.equal(decoded.length, 784);
  const last = steps.width - 28;
  let erased = 0;
  for (let p = 0; p < 784; p += 1) {
    const [x, y] = [p % 28, Math.floor(p / 28)];
    const shown = steps.data[(y * steps.width + last + x) * 4];
    const s = subject.data.slice(p * 4, p * 4 + 3);
    const isErased = s[0] !== s[1];
    if (isErased) {
      erased += 1;
      assert.equal(shown, decoded[p], `erased pixel ${p} should be the app's decoding of z = ${z}`);
    } else {
      assert.equal(shown, s[0], `known pixel ${p} should be kept`);
    }
  }
  assert.equal(erased, 14 * 28, 'the left half should be erased');
}

for (const webgpu of [true, false]) {
  const name = webgpu ? 'WebGPU' : 'CPU';
  const touch = !webgpu;
  test(`${name} run: a drawing lands on the plane stroke by stroke, and an erased image is completed, while training`, async () => {
    const browser = await launch({ webgpu, touch });
    const { page, errors } = browser;
    try {
      await page.goto(server.url);
      await page.waitForSelector('#pretrained-status[data-state="in-use"]', { timeout: LONG });
      await page.waitForSelector('#latent-plane[data-points="1000"]', { timeout: LONG });
      await page.waitForSelector('#train:not([disabled])', { timeout: LONG });
      const before = await stepCount(page);
      await page.click('#train');
      await page.waitForFunction((n) => Number(document.querySelector('#step-count').textContent) > n, before, { timeout: LONG });

      // Where a drawing lands: a "1", then a bar across its top makes a "7"; the mark moves.
      await page.evaluate(() => window.__vae.strokes(true));
      await stroke(page, [[0.55, 0.15], [0.5, 0.5], [0.45, 0.85]], touch);
      const one = await expectLandsWhereEncoded(page, 'a "1"');
      await stroke(page, [[0.2, 0.18], [0.55, 0.15]], touch);
      const seven = await expectLandsWhereEncoded(page, 'a "7"');
      assert.notDeepEqual(seven, one, 'a new stroke should move the mark');
      const strokes = await page.evaluate(() => window.__vae.strokes(true));
      assert.equal(strokes.length, 48, 'every move of the strokes should be measured');
      const drawn = await stepCount(page);

      // A held-out image on the pad lands too; keyboard: the buttons are buttons.
      await page.focus('#probe-held-out');
      await page.keyboard.press('Enter');
      await page.waitForFunction((s) => document.querySelector('#latent-plane').dataset.marker !== s, seven.join(','));
      const heldOut = await expectLandsWhereEncoded(page, 'a held-out image');

      // A photo of a "1" on paper (dark on light, any size) lands as the data would have it:
      // light on dark. A file that is no image is said so, and nothing else changes.
      const photo = greyPng(120, 90, (x, y) => (Math.abs(x - 60) < 6 && y > 12 && y < 78 ? 20 : 235));
      await page.setInputFiles('#probe-file', { name: 'photo.png', mimeType: 'image/png', buffer: photo });
      await page.waitForFunction((s) => document.querySelector('#latent-plane').dataset.marker !== s, heldOut.join(','));
      await expectLandsWhereEncoded(page, 'a photo');
      const input = await rgb(page, '#probe-input');
      assert.ok(input.data[(14 * 28 + 14) * 4] > 200 && input.data[(14 * 28 + 2) * 4] < 50, 'the photo should be light strokes on dark, as the data');
      await page.setInputFiles('#probe-file', { name: 'notes.png', mimeType: 'image/png', buffer: Buffer.from('not a picture') });
      await page.waitForSelector('#probe-error');
      assert.match(await page.textContent('#probe-error'), /Could not open the image: notes\.png/);
      // (The model trains on: the photo's mark moves with it, the photo stays.)
      assert.deepEqual((await rgb(page, '#probe-input')).data, input.data, 'a bad file should leave the pad as it was');
      await expectLandsWhereEncoded(page, 'the photo, still');

      // Erase the left half of a held-out image and search the latent space, while training.
      await page.click('#complete-pick');
      await page.focus('#mask-left');
      await page.keyboard.press('Enter');
      const searchTraining = await complete(page, '#complete-search');
      assert.ok(Number(await page.getAttribute('#latent-plane', 'data-path')) > 1, 'the search path should be drawn on the plane');
      assert.match(await page.textContent('#complete-status'), /Mean squared error on the erased pixels: [\d.]+, against [\d.]+ for the mean image/);

      await page.waitForFunction((n) => Number(document.querySelector('#step-count').textContent) > n, drawn, { timeout: LONG });
      const searchSteps = await page.getAttribute('#complete-steps', 'data-search-steps');

      // Paused, so that the model holds still: the completion is the app's own decoding.
      await page.click('#train');
      await page.waitForSelector('#train:text("Train")');
      await page.evaluate(() => window.__vae.strokes(true));
      await stroke(page, [[0.3, 0.6], [0.7, 0.6]], touch);
      const idleStrokes = await page.evaluate(() => window.__vae.strokes(true));
      assert.equal(idleStrokes.length, 16, 'every move of the stroke should be measured');
      await expectLandsWhereEncoded(page, 'a held-out image drawn over');
      const searchIdle = await complete(page, '#complete-search');
      const searchStatus = await page.textContent('#complete-status');
      await expectCompletionIsDecoded(page);
      await page.locator('#latent-plane').screenshot({ path: path.join(screenshots, `complete-plane-${name.toLowerCase()}.png`) });
      // The strip as a PNG, as shown.
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('#complete-export')]);
      assert.equal(download.suggestedFilename(), 'completion.png');
      const png = await readFile(await download.path());
      assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47], 'the export should be a PNG');
      assert.equal(png.readUInt32BE(16), 9 * 28, 'the PNG should hold the whole strip');
      const samples = await rgb(page, '#complete-samples');
      assert.equal(samples.width, 9 * 28, 'the erased image and eight other completions should show');

      // Iterated encode–decode: eight steps after the erased image.
      await complete(page, '#complete-iterate');
      assert.equal(await page.getAttribute('#complete-steps', 'data-completed'), 'iterate');
      assert.equal((await rgb(page, '#complete-steps')).width, 9 * 28);

      // The brush erases what it passes over (red on the subject).
      await page.click('#complete-pick');
      const box = await page.locator('#complete-subject').boundingBox();
      const red = async () => {
        const { data } = await rgb(page, '#complete-subject');
        let count = 0;
        for (let i = 0; i < data.length; i += 4) if (data[i] !== data[i + 1]) count += 1;
        return count;
      };
      assert.equal(await red(), 0);
      await page.mouse.move(box.x + box.width * 0.2, box.y + box.height * 0.5);
      await page.mouse.down();
      await page.mouse.move(box.x + box.width * 0.8, box.y + box.height * 0.5, { steps: 10 });
      await page.mouse.up();
      await page.waitForFunction(() => {
        const c = document.querySelector('#complete-subject');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        for (let i = 0; i < d.length; i += 4) if (d[i] !== d[i + 1]) return true;
        return false;
      });
      assert.ok((await red()) > 28, 'a stroke across the image should erase a band of it');
      await complete(page, '#complete-iterate');

      await page.locator('#your-image').screenshot({ path: path.join(screenshots, `complete-${name.toLowerCase()}.png`) });
      const ms = (values, which, p) => `${percentile(values.map((s) => s[which]), p).toFixed(1)} ms`;
      for (const [when, values] of [['training', strokes], ['idle', idleStrokes]]) {
        console.log(`[${name}] encode while drawing (${when}), event → marked: p50 ${ms(values, 0, 50)}, p95 ${ms(values, 0, 95)}; the page's part: p50 ${ms(values, 1, 50)}, p95 ${ms(values, 1, 95)}, over ${values.length} moves`);
      }
      console.log(`[${name}] latent search: ${searchTraining.toFixed(0)} ms (${searchSteps} steps) while training, ${searchIdle.toFixed(0)} ms idle. ${searchStatus}`);
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
    }
  });
}

test('CPU run: with a 3-D latent space, the mark and the completion work on the chosen slice', async () => {
  const browser = await launch({ webgpu: false });
  const { page, errors } = browser;
  try {
    await page.goto(`${server.url}?backend=cpu`);
    await page.waitForSelector('#train:not([disabled])', { timeout: LONG });
    await page.selectOption('#latent', '3');
    await page.waitForSelector('#dim-y', { timeout: LONG });
    for (let i = 1; i <= 3; i += 1) {
      await page.waitForSelector('#step:not([disabled])', { timeout: LONG });
      await page.click('#step');
      await page.waitForFunction((n) => Number(document.querySelector('#step-count').textContent) === n, i, { timeout: LONG });
    }
    await page.waitForSelector('#latent-plane[data-points="1000"]', { timeout: LONG });

    // z1 against z2, then z1 against z3: the mark follows the slice.
    await page.click('#probe-held-out');
    const z12 = await expectLandsWhereEncoded(page, 'z1 against z2');
    await page.selectOption('#dim-y', '2');
    await page.waitForFunction((s) => document.querySelector('#latent-plane').dataset.marker !== s, z12.join(','));
    const z13 = await expectLandsWhereEncoded(page, 'z1 against z3');
    assert.equal(z13[0], z12[0], 'z1 stays on the x axis');

    // The search works in all three dimensions; the completion is the decoding of its z.
    await page.click('#complete-pick');
    await page.click('#mask-left');
    await complete(page, '#complete-search');
    assert.equal((await page.getAttribute('#complete-steps', 'data-z')).split(',').length, 3);
    assert.ok(Number(await page.getAttribute('#latent-plane', 'data-path')) > 1);
    await expectCompletionIsDecoded(page);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});
