// The objective with live numbers (the last step's terms, KL per dimension, one image's path
// through the model) and slow motion (one step every 1.5 s, its stages lit in turn); CPU run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServer, launch, ready, stepCount } from './harness.js';

const server = useServer();
const LONG = 180_000;
const numbers = (text) => text.split(',').map(Number);

test('the Explain panel shows the last step’s terms adding up, KL per dimension, and one image’s own path', { timeout: LONG }, async () => {
  const run = await launch({ webgpu: false });
  const { page } = run;
  try {
    await page.goto(`${server.url}?backend=cpu`);
    await ready(page);
    await page.click('#train');
    await page.waitForSelector('#objective[data-total]');
    const first = await page.getAttribute('#objective', 'data-total');
    await page.waitForFunction((t) => document.querySelector('#objective').dataset.total !== t, first, { timeout: 30_000 });
    await page.click('#train');
    await page.waitForFunction(() => document.querySelector('#train').textContent.trim() === 'Train');
    const o = await page.evaluate(() => ({ ...document.querySelector('#objective').dataset }));
    const [r, b, k, t] = [o.reconstruction, o.beta, o.kl, o.total].map(Number);
    assert.ok(Math.abs(r + b * k - t) < 1e-3, `reconstruction + β·KL = total: ${r} + ${b}·${k} against ${t}`);
    assert.equal(Number(await page.getAttribute('#total-loss', 'data-value')), t, 'the panel shows the last step’s report');

    const kl = numbers(await page.getAttribute('#kl-bars', 'data-kl'));
    assert.equal(kl.length, 2, 'one bar per latent dimension');
    assert.ok(kl.every((v) => v > 0), `the pretrained model uses both dimensions: ${kl}`);
    assert.equal(await page.locator('#kl-bars rect').count(), 2);

    // One image: the one nearest the cursor.
    await page.click('#explain-image');
    await page.waitForSelector('#image-path');
    const path = await page.evaluate(() => ({ ...document.querySelector('#image-path').dataset }));
    const [mean, sigma, epsilon, z] = [path.mean, path.sigma, path.epsilon, path.z].map(numbers);
    for (let d = 0; d < 2; d += 1) {
      assert.ok(Math.abs(mean[d] + sigma[d] * epsilon[d] - z[d]) < 1e-4, `z = μ + σ·ε on dimension ${d}`);
    }
    const klOwn = mean.reduce((sum, m, d) => sum + 0.5 * (m * m + sigma[d] ** 2 - 1 - Math.log(sigma[d] ** 2)), 0);
    assert.ok(Math.abs(klOwn - Number(path.kl)) < 1e-3, `the image's KL: ${klOwn} against ${path.kl}`);
    assert.ok(Number(path.reconstruction) > 0);
    // The app's own encoder puts the shown image where the panel says.
    const encoded = await page.evaluate(async () => {
      const canvas = document.querySelector('#explain-original');
      const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      return window.__vae.encode(Array.from({ length: data.length / 4 }, (_, i) => data[i * 4]));
    });
    for (let d = 0; d < 2; d += 1) {
      assert.ok(Math.abs(encoded[d] - mean[d]) < 0.02, `μ ${mean} should be the app's own encoding ${encoded}`);
    }
    await run.screenshot('explain');
  } finally {
    await run.close();
  }
});

test('slow motion: a step at most once a second, its stages lit in turn', { timeout: LONG }, async () => {
  const run = await launch({ webgpu: false });
  const { page } = run;
  try {
    await page.goto(`${server.url}?backend=cpu`);
    await ready(page);
    await page.selectOption('#speed', 'slow');
    assert.ok(await page.locator('#step-diagram').isVisible(), 'the step’s stages are shown');
    await page.click('#train');
    assert.equal((await page.textContent('#train')).trim(), 'Pause');
    const samples = [];
    const started = Date.now();
    while (Date.now() - started < 5000) {
      samples.push({
        at: Date.now() - started,
        step: await stepCount(page),
        stage: await page.getAttribute('#step-diagram', 'data-stage'),
      });
      await page.waitForTimeout(60);
    }
    await page.click('#train');
    const changes = samples.filter((s, i) => i > 0 && s.step !== samples[i - 1].step);
    assert.ok(changes.length >= 2 && changes.length <= 5, `steps in 5 s of slow motion: ${changes.length}`);
    for (let i = 1; i < changes.length; i += 1) {
      assert.ok(changes[i].at - changes[i - 1].at >= 1000, `steps at most once a second: ${changes.map((c) => c.at)}`);
      assert.equal(changes[i].step - changes[i - 1].step, 1, 'one step at a time');
    }
    const stages = new Set(samples.map((s) => s.stage).filter((s) => s !== ''));
    assert.ok(stages.size >= 6, `the lit stage cycles through the step: ${[...stages]}`);
    const before = await stepCount(page);
    await page.waitForTimeout(2000);
    assert.equal(await stepCount(page), before, 'Pause stops slow motion');
    assert.equal(await page.getAttribute('#step-diagram', 'data-stage'), '');
  } finally {
    await run.close();
  }
});

test('recordings for slides: a WebM of the plane and the image while the cursor moves, and an animated GIF of the interpolation', { timeout: LONG }, async () => {
  const run = await launch({ webgpu: false });
  const { page } = run;
  try {
    await page.goto(`${server.url}?backend=cpu`);
    await ready(page);
    const { readFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const path = await import('node:path');
    const out = path.join(tmpdir(), `vae-recording-${process.pid}`);

    await page.click('#record');
    assert.equal(await page.getAttribute('#record', 'aria-pressed'), 'true');
    const plane = await page.locator('#latent-plane').boundingBox();
    await page.mouse.move(plane.x + plane.width * 0.2, plane.y + plane.height * 0.5);
    await page.mouse.down();
    for (let i = 0; i <= 40; i += 1) {
      await page.mouse.move(plane.x + plane.width * (0.2 + 0.6 * i / 40), plane.y + plane.height * (0.5 + 0.2 * Math.sin(i / 6)));
      await page.waitForTimeout(40);
    }
    await page.mouse.up();
    const [video] = await Promise.all([page.waitForEvent('download'), page.click('#record')]);
    assert.equal(video.suggestedFilename(), 'vae-playground.webm');
    await video.saveAs(`${out}.webm`);
    const webm = await readFile(`${out}.webm`);
    assert.deepEqual([...webm.subarray(0, 4)], [0x1a, 0x45, 0xdf, 0xa3], 'a WebM (EBML) file');
    assert.ok(webm.length > 5_000, `the video has frames: ${webm.length} bytes`);
    assert.match(await page.textContent('#record-note'), /Saved/);

    await page.click('#two-samples');
    const [gif] = await Promise.all([page.waitForEvent('download'), page.click('#export-gif')]);
    assert.equal(gif.suggestedFilename(), 'interpolation.gif');
    await gif.saveAs(`${out}.gif`);
    const bytes = await readFile(`${out}.gif`);
    assert.equal(bytes.subarray(0, 6).toString('latin1'), 'GIF89a');
    assert.equal(bytes.readUInt16LE(6), 280, 'each pixel 10 × 10');
    assert.ok(bytes.includes(Buffer.from('NETSCAPE2.0')), 'it loops');
    // One image descriptor per frame: there and back along the path.
    const frames = bytes.toString('latin1').split('\x21\xf9\x04').length - 1;
    assert.equal(frames, 24, 'there and back in 24 frames');
  } finally {
    await run.close();
  }
});
