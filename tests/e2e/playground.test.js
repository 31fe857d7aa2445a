// The playground as a user meets it: train on MNIST, watch the loss fall, drag through the
// latent plane and see the decoder's output follow — with WebGPU and on the CPU fallback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServer, launch, stepCount, decodedPixels } from './harness.js';

const server = useServer();

const LONG = 180_000;

const totalLoss = (page) => page.getAttribute('#total-loss', 'data-value').then(Number);


/** Non-background pixels of a canvas: proof that something was drawn. */
const inkedPixels = (page, selector, background) =>
  page.evaluate(
    ([selector, background]) => {
      const canvas = document.querySelector(selector);
      const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      let count = 0;
      for (let i = 0; i < data.length; i += 4) if (data[i] !== background) count += 1;
      return count;
    },
    [selector, background],
  );

function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/**
 * Drags the cursor across the plane in small moves; returns the page's measured latencies (event
 * → pixels drawn) and how long each event waited before the page received it.
 */
async function drag(page, from, to, moves) {
  const box = await page.locator('#latent-plane').boundingBox();
  const at = ([fx, fy]) => [box.x + fx * box.width, box.y + fy * box.height];
  // Also how long each event waited before the page saw it (the browser's input pipeline,
  // which the page cannot shorten), to tell the two parts of the latency apart.
  await page.evaluate(() => {
    window.__vae.latencies(true);
    window.__dispatch_waits = [];
    if (!window.__waits_listening) {
      window.__waits_listening = true;
      window.addEventListener('pointermove', (e) => window.__dispatch_waits.push(performance.now() - e.timeStamp), { capture: true });
    }
  });
  const [x0, y0] = at(from);
  const [x1, y1] = at(to);
  await page.mouse.move(x0, y0);
  await page.mouse.down();
  for (let i = 1; i <= moves; i += 1) {
    await page.mouse.move(x0 + ((x1 - x0) * i) / moves, y0 + ((y1 - y0) * i) / moves);
    await page.waitForTimeout(16);
  }
  await page.mouse.up();
  // The last move's decoding is drawn by the next frame.
  await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
  return page.evaluate(() => ({ latencies: window.__vae.latencies(true), dispatch: window.__dispatch_waits }));
}

/**
 * The decoded canvas shows exactly the app's own decoding of the cursor's latent point. Read in
 * one go, so that no training step (and no new model) comes in between.
 */
async function expectDecodedMatchesApp(page) {
  const { z, shown, expected } = await page.evaluate(async () => {
    const canvas = document.querySelector('#decoded');
    const z = canvas.getAttribute('data-z').split(',').map(Number);
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    const shown = Array.from({ length: data.length / 4 }, (_, i) => data[i * 4]);
    const expected = await window.__vae.decode(z[0], z[1]);
    return { z, shown, expected };
  });
  assert.equal(shown.length, 784);
  assert.deepEqual(shown, expected, `decoded canvas should equal the app's decode at ${z}`);
  return z;
}

for (const webgpu of [true, false]) {
  const name = webgpu ? 'WebGPU' : 'CPU';
  test(`${name} run: train on MNIST, explore the plane`, async () => {
    const browser = await launch({ webgpu });
    const { page, errors } = browser;
    try {
      await page.goto(server.url);
      await page.waitForSelector('#data-status[data-count="10000"]', { timeout: LONG });
      await page.waitForSelector('#latent-plane[data-points="1000"]', { timeout: LONG });
      await page.waitForSelector('#decoded[data-z]:not([data-z=""])', { timeout: LONG });
      assert.equal(await page.getAttribute('#backend', 'data-backend'), webgpu ? 'webgpu' : 'cpu');

      // It opens ready to explore: the pretrained model decodes a digit at the cursor, untrained.
      await page.waitForSelector('#pretrained-status[data-state="in-use"]', { timeout: LONG });
      await page.waitForFunction(() => {
        const c = document.querySelector('#decoded');
        if (!c.width) return false;
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let dark = 0, bright = 0;
        for (let i = 0; i < d.length; i += 4) { if (d[i] < 40) dark += 1; if (d[i] > 150) bright += 1; }
        return dark > 300 && bright > 30;
      }, null, { timeout: LONG });
      // Where the pretrained model got to, and how: its step and the native trainer's epoch losses.
      const pretrainedSteps = Number((await page.textContent('#pretrained-status')).match(/for (\d+) steps/)[1]);
      assert.ok(pretrainedSteps > 0);
      assert.equal(await stepCount(page), pretrainedSteps);
      assert.ok(Number(await page.getAttribute('#loss-chart', 'data-points')) >= 10, 'the chart should show the epochs it trained');
      await expectDecodedMatchesApp(page);
      await browser.screenshot(`opened-${name.toLowerCase()}`);

      // Start from scratch, so that the loss has somewhere to fall.
      await page.click('#reset');
      await page.waitForSelector('#pretrained-status[data-state="available"]');
      await page.waitForSelector('#train:not([disabled])', { timeout: LONG });

      // Train, and watch the loss come down.
      const heldOutDots = () => page.locator('#loss-chart circle.held-out').count();
      assert.equal(await heldOutDots(), 0, 'a fresh model has no held-out −ELBO yet');
      await page.click('#train');
      await page.waitForFunction(() => Number(document.querySelector('#step-count').textContent) >= 3, null, { timeout: LONG });
      const early = await totalLoss(page);
      // SwiftShader runs WebGPU on the CPU, about nine times slower: fewer steps there.
      const target = webgpu ? 30 : 60;
      const started = Date.now();
      await page.waitForFunction((n) => Number(document.querySelector('#step-count').textContent) >= n, target, { timeout: LONG });
      const seconds = (Date.now() - started) / 1000;
      const late = await totalLoss(page);
      const rate = await page.textContent('#samples-per-s');
      console.log(`[${name}] loss ${early.toFixed(1)} → ${late.toFixed(1)} nats; ${rate} samples/s (one step's compute); ~${(((target - 3) * 128) / seconds).toFixed(0)} samples/s (wall clock)`);
      assert.ok(late < early - 50, `the loss should fall clearly: ${early} → ${late}`);
      // The held-out −ELBO comes at step 50 (then every 50 steps or less often): on WebGPU, a
      // forward pass over a thousand images through the same kernels.
      await page.waitForSelector('#loss-chart circle.held-out', { timeout: LONG });
      // Training runs in a Web Worker, so that the page stays free: the CPU worker (which on a
      // WebGPU page served the plane until the user trained), and the WebGPU trainer's.
      assert.equal(page.workers().length, webgpu ? 2 : 1, 'training should run in a worker');

      // Drag while training: the decoded pixels change and equal the app's own decode there.
      const before = await decodedPixels(page);
      const trainingDrag = await drag(page, [0.3, 0.3], [0.7, 0.7], 30);
      await expectDecodedMatchesApp(page);
      assert.notDeepEqual(await decodedPixels(page), before, 'dragging should change the decoded image');

      // Pause: the step counter stops.
      await page.click('#train');
      await page.waitForSelector('#train:text("Train")');
      const paused = await stepCount(page);
      // Nothing to wait for: that nothing happens takes a while to see.
      await page.waitForTimeout(1500);
      assert.equal(await stepCount(page), paused, 'a paused session should not step');

      // Idle drag, then arrow keys.
      const idleDrag = await drag(page, [0.7, 0.3], [0.3, 0.7], 30);
      const z0 = await expectDecodedMatchesApp(page);
      await page.focus('#latent-plane');
      await page.keyboard.press('ArrowRight');
      await page.keyboard.press('ArrowRight');
      await page.waitForFunction((x) => {
        const z = document.querySelector('#decoded').getAttribute('data-z').split(',').map(Number);
        return z[0] > x;
      }, z0[0], { timeout: 10_000 });
      await expectDecodedMatchesApp(page);

      // The plane shows its points and the grid is drawn.
      assert.ok((await inkedPixels(page, '#latent-plane', 255)) > 1000, 'the plane should show points');
      await page.waitForSelector('#manifold[data-drawn="true"]', { timeout: LONG });
      assert.ok((await inkedPixels(page, '#manifold', 0)) > 1000, 'the grid should show digits');
      await page.waitForSelector('#samples[data-drawn="true"]', { timeout: LONG });
      assert.ok((await inkedPixels(page, '#samples', 0)) > 500, 'originals, reconstructions and samples should show');

      // Single steps, then the discriminator: D losses appear.
      await page.click('#step');
      await page.waitForFunction((n) => Number(document.querySelector('#step-count').textContent) === n + 1, paused, { timeout: LONG });
      await page.check('#discriminator');
      await page.click('#train');
      await page.waitForSelector('#d-loss', { timeout: LONG });
      assert.ok(Number.isFinite(Number(await page.getAttribute('#d-loss', 'data-value'))));
      await page.click('#train');
      await browser.screenshot(`playground-${name.toLowerCase()}`);

      for (const [label, { latencies, dispatch }] of [['idle', idleDrag], ['training', trainingDrag]]) {
        const ms = (values, p) => `${percentile(values, p)?.toFixed(1)} ms`;
        console.log(`[${name}] drag latency ${label}: p50 ${ms(latencies, 50)}, p95 ${ms(latencies, 95)} over ${latencies.length} moves (of which the browser's delivery of the event: p50 ${ms(dispatch, 50)}, p95 ${ms(dispatch, 95)})`);
      }
      // A drag that measured nothing says nothing: both must have their samples.
      for (const [label, { latencies }] of [['idle', idleDrag], ['training', trainingDrag]]) {
        assert.ok(latencies.length >= 20, `the ${label} drag should be measured: ${latencies.length} samples of 30 moves`);
      }
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
    }
  });
}


test('CPU run: zoom, pan, σ ellipses and interpolation', async () => {
  const browser = await launch({ webgpu: false });
  const { page, errors } = browser;
  try {
    await page.goto(`${server.url}?backend=cpu`);
    await page.waitForSelector('#latent-plane[data-points="1000"]', { timeout: LONG });
    await page.waitForSelector('#train:not([disabled])', { timeout: LONG });
    const halfWidth = () => page.getAttribute('#latent-plane', 'data-half-width').then(Number);
    const centre = () => page.getAttribute('#latent-plane', 'data-centre');
    const fitted = await halfWidth();

    // Zoom in with the button and with the wheel, out with a key; the manifold follows.
    const manifoldBefore = await inkedPixels(page, '#manifold', 0);
    await page.click('#zoom-in');
    assert.ok(Math.abs((await halfWidth()) - fitted * 0.8) < 1e-3);
    const box = await page.locator('#latent-plane').boundingBox();
    await page.mouse.move(box.x + box.width * 0.75, box.y + box.height * 0.25);
    await page.mouse.wheel(0, -300);
    await page.waitForFunction((h) => Number(document.querySelector('#latent-plane').dataset.halfWidth) < h, fitted * 0.8);
    assert.notEqual(await centre(), '0,0', 'zooming at the pointer keeps that point in place');
    await page.focus('#latent-plane');
    await page.keyboard.press('-');
    // Shift-drag pans.
    const panned = await centre();
    await page.keyboard.down('Shift');
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.5);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.5, { steps: 5 });
    await page.mouse.up();
    await page.keyboard.up('Shift');
    assert.notEqual(await centre(), panned);
    assert.notEqual(await inkedPixels(page, '#manifold', 0), manifoldBefore);
    await page.click('#zoom-fit');
    assert.equal(await halfWidth(), fitted);
    assert.equal(await centre(), '0,0');

    // σ ellipses add ink around the points.
    const plain = await inkedPixels(page, '#latent-plane', 255);
    await page.check('#ellipses');
    assert.ok((await inkedPixels(page, '#latent-plane', 255)) > plain + 1000, 'ellipses should show');

    // Interpolation between two held-out images, drawn and animated.
    await page.click('#two-samples');
    await page.waitForSelector('#interpolation[data-frames="10"]');
    assert.ok((await inkedPixels(page, '#interpolation', 0)) > 300, 'the frames should show');
    const z = () => page.getAttribute('#decoded', 'data-z');
    await page.click('#animate');
    const first = await z();
    await page.waitForFunction((z0) => document.querySelector('#decoded').dataset.z !== z0, first, { timeout: 5_000 });
    await page.click('#animate');
    await page.waitForSelector('#animate:text("Animate")');
    await expectDecodedMatchesApp(page);
    await page.locator('#interpolation').scrollIntoViewIfNeeded();
    await browser.screenshot('playground-plane-tools');
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});

test('CPU run: touch — a tap jumps the cursor, a finger drags it, and the page does not scroll', async () => {
  const browser = await launch({ webgpu: false, touch: true });
  const { page, errors } = browser;
  try {
    await page.goto(`${server.url}?backend=cpu`);
    await page.waitForSelector('#latent-plane[data-points="1000"]', { timeout: LONG });
    await page.waitForSelector('#decoded[data-z]:not([data-z=""])', { timeout: LONG });
    const z = () => page.getAttribute('#decoded', 'data-z').then((s) => s.split(',').map(Number));
    const box = await page.locator('#latent-plane').boundingBox();
    const at = (fx, fy) => ({ x: box.x + fx * box.width, y: box.y + fy * box.height });

    // A tap at the lower left puts the cursor there: down and left of the centre in latent space.
    const start = await z();
    const tap = at(0.2, 0.8);
    await page.touchscreen.tap(tap.x, tap.y);
    await page.waitForFunction((s) => document.querySelector('#decoded').dataset.z !== s, start.join(','));
    const tapped = await z();
    assert.ok(tapped[0] < start[0] && tapped[1] < start[1], `a tap at the lower left should move the cursor there: ${start} → ${tapped}`);
    await expectDecodedMatchesApp(page);

    // A finger drag up and to the right, as real touch events, moves the cursor, and does not
    // scroll the page down as the same gesture elsewhere would.
    const cdp = await page.context().newCDPSession(page);
    const touch = (type, points) => cdp.send('Input.dispatchTouchEvent', { type, touchPoints: points });
    const scrolled = await page.evaluate(() => window.scrollY);
    const from = at(0.3, 0.7);
    const to = at(0.8, 0.2);
    await touch('touchStart', [from]);
    for (let i = 1; i <= 10; i += 1) {
      await touch('touchMove', [{ x: from.x + ((to.x - from.x) * i) / 10, y: from.y + ((to.y - from.y) * i) / 10 }]);
      await page.waitForTimeout(16);
    }
    await touch('touchEnd', []);
    await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
    const dragged = await z();
    assert.ok(dragged[0] > tapped[0] && dragged[1] > tapped[1], `the drag should move the cursor up and right: ${tapped} → ${dragged}`);
    assert.equal(await page.evaluate(() => window.scrollY), scrolled, 'dragging on the plane should not scroll the page');
    await expectDecodedMatchesApp(page);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});

test('CPU run: model settings — conv, Gaussian likelihood, a 3-D latent space sliced by the plane', async () => {
  const browser = await launch({ webgpu: false });
  const { page, errors } = browser;
  try {
    await page.goto(`${server.url}?backend=cpu`);
    await page.waitForSelector('#train:not([disabled])', { timeout: LONG });
    const steps = async (n) => {
      const start = await stepCount(page);
      for (let i = 0; i < n; i += 1) {
        await page.waitForSelector('#step:not([disabled])', { timeout: LONG });
        await page.click('#step');
        await page.waitForFunction((s) => Number(document.querySelector('#step-count').textContent) === s, start + i + 1, { timeout: LONG });
      }
    };

    await page.selectOption('#architecture', 'conv');
    await page.selectOption('#likelihood', 'gaussian');
    await page.waitForSelector('#pretrained-status[data-state="available"]');
    // The conv model's slow start is said, with how long it needs at this speed once it steps.
    assert.match(await page.textContent('#conv-pace'), /32,000 images.*a few minutes/);
    await steps(2);
    assert.ok(Number.isFinite(await totalLoss(page)));
    assert.match(await page.textContent('#conv-pace'), /about \d+ (s|min).* more at this speed\.$/);

    await page.selectOption('#architecture', 'mlp');
    assert.equal(await page.locator('#conv-pace').count(), 0, 'the MLP needs no such warning');
    await page.selectOption('#likelihood', 'bernoulli');
    await page.selectOption('#latent', '3');
    await page.waitForSelector('#dim-y', { timeout: LONG });
    await steps(3);
    await page.waitForSelector('#latent-plane[data-points="1000"]', { timeout: LONG });
    const plane = () =>
      page.evaluate(() => {
        const c = document.querySelector('#latent-plane');
        return Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data);
      });
    const xy = await plane();
    await page.selectOption('#dim-y', '2');
    assert.notDeepEqual(await plane(), xy, 'the plane should show z1 against z3 now');
    await expectDecodedMatchesApp(page);
    const before = await decodedPixels(page);
    await page.click('#hold-image');
    assert.match(await page.textContent('#held-at'), /held-out image #\d+/);
    assert.notDeepEqual(await decodedPixels(page), before, 'holding z2 elsewhere changes the decoding');
    await expectDecodedMatchesApp(page);
    await browser.screenshot('playground-latent-3');
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});
