// The app shell in a real browser: WebGPU when the browser has it, the CPU fallback when not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServer, launch, ready, decodedPixels } from './harness.js';

const server = useServer();

const READY_MS = 120_000;

/** The WebGPU trainer's files the page fetches, as they are fetched. */
function trainerFetches(page) {
  const fetched = [];
  page.on('request', (request) => {
    if (request.url().includes('vae-trainer-webgpu')) fetched.push(request.url());
  });
  return fetched;
}

async function openShell(browser) {
  const { page } = browser;
  const started = Date.now();
  await page.goto(server.url);
  await page.waitForSelector('main[data-ready="true"]', { timeout: READY_MS });
  const backend = await page.getAttribute('#backend', 'data-backend');
  // The CPU's first computation; on WebGPU it waits for the trainer (loaded on first training).
  const probe = page.locator('#probe');
  const firstMs = Number(await probe.getAttribute('data-first-ms'));
  const warmMs = Number(await probe.getAttribute('data-warm-ms'));
  console.log(
    `[${backend}] ready after ${Date.now() - started} ms; ${await page.textContent('#backend')}; ` +
      (firstMs ? `first decode ${firstMs} ms, warm ${warmMs} ms` : await probe.textContent()),
  );
  return { backend, firstMs, warmMs };
}

test('WebGPU run: the page reports the WebGPU backend, loads its trainer on the first step and computes on it', async () => {
  const browser = await launch({ webgpu: true });
  const { page } = browser;
  const fetched = trainerFetches(page);
  try {
    const { backend } = await openShell(browser);
    assert.equal(backend, 'webgpu');
    assert.equal(await page.locator('#fallback-notice').count(), 0);
    // Exploring needs no WebGPU: its trainer is not downloaded until the user trains.
    await page.waitForSelector('#train:not([disabled])', { timeout: READY_MS });
    assert.equal(await page.getAttribute('#probe', 'data-state'), 'not-loaded');
    assert.deepEqual(fetched, [], 'the WebGPU trainer should not load before training');

    const before = Number(await page.textContent('#step-count'));
    await page.click('#step');
    await page.waitForSelector('#probe[data-first-ms]', { timeout: READY_MS });
    await page.waitForFunction((n) => Number(document.querySelector('#step-count').textContent) > n, before, { timeout: READY_MS });
    const firstMs = Number(await page.getAttribute('#probe', 'data-first-ms'));
    const warmMs = Number(await page.getAttribute('#probe', 'data-warm-ms'));
    console.log(`[webgpu] trainer: ${await page.textContent('#backend-card')}`);
    assert.ok(firstMs > 0 && warmMs > 0, 'the probe should report its times');
    assert.ok(fetched.some((url) => new URL(url).pathname.endsWith('.wasm')), 'the first step should load the WebGPU trainer');
    assert.ok(page.workers().some((w) => w.url().startsWith('blob:')), 'the WebGPU trainer runs in a worker');
    // SwiftShader is a software adapter: the CPU runs the same probe far faster, and the card says so.
    const cpuFaster = await page.waitForSelector('#cpu-faster', { timeout: READY_MS });
    console.log(`[webgpu] ${await cpuFaster.textContent()}`);
    await browser.screenshot('shell-webgpu');

    // The user can switch to the CPU; the page recomputes there.
    await browser.page.click('#switch-backend');
    await browser.page.waitForSelector('#backend[data-backend="cpu"]', { timeout: READY_MS });
    await browser.page.waitForSelector('main[data-ready="true"]', { timeout: READY_MS });
    assert.deepEqual(browser.errors, []);
  } finally {
    await browser.close();
  }
});

test('WebGPU run: when the WebGPU trainer cannot load, training falls back to the CPU and says why', async () => {
  const browser = await launch({ webgpu: true });
  const { page, errors } = browser;
  try {
    // As if the network dropped after the page loaded.
    await page.context().route(/vae-trainer-webgpu/, (route) => route.abort());
    await openShell(browser);
    await page.waitForSelector('#train:not([disabled])', { timeout: READY_MS });
    const before = Number(await page.textContent('#step-count'));
    await page.click('#train');
    await page.waitForSelector('#backend[data-backend="cpu"]', { timeout: READY_MS });
    assert.match(await page.textContent('#fallback-notice'), /WebGPU trainer could not start/);
    // The Train the user pressed still happens, on the CPU.
    await page.waitForFunction((n) => Number(document.querySelector('#step-count').textContent) > n + 3, before, { timeout: READY_MS });
    await page.click('#train');
    await browser.screenshot('shell-webgpu-trainer-failed');
    assert.ok(errors.length > 0 && errors.every((e) => /training worker/.test(e)), errors.join('\n'));
  } finally {
    await browser.close();
  }
});

test('CPU run: without WebGPU the page falls back to the CPU with a notice', async () => {
  const browser = await launch({ webgpu: false });
  try {
    const { backend, firstMs } = await openShell(browser);
    assert.equal(backend, 'cpu');
    assert.ok(firstMs > 0);
    assert.match(await browser.page.textContent('#fallback-notice'), /CPU fallback/);
    assert.doesNotMatch(await browser.page.textContent('#probe'), /shader/, 'the CPU compiles no shaders');
    await browser.screenshot('shell-cpu');
    assert.deepEqual(browser.errors, []);
  } finally {
    await browser.close();
  }
});

test('CPU run: a browser that cannot start the training worker trains on the page instead', async () => {
  const browser = await launch({ webgpu: false });
  const { page, errors } = browser;
  try {
    // As in a browser (or a locked-down page) without module workers.
    await page.addInitScript(() => {
      delete window.Worker;
    });
    await openShell(browser);
    await ready(page, READY_MS);
    const before = await decodedPixels(page);
    await page.click('#train');
    await page.waitForFunction(() => Number(document.querySelector('#step-count').textContent) >= 5, null, { timeout: READY_MS });
    await page.click('#train');
    assert.equal(page.workers().length, 0, 'no worker could start');
    await page.waitForFunction((b) => {
      const c = document.querySelector('#decoded');
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      return Array.from({ length: d.length / 4 }, (_, i) => d[i * 4]).some((v, i) => v !== b[i]);
    }, before, { timeout: READY_MS });
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});

test('WebGPU run, the page choosing: a software adapter trains on the CPU and says why; the user can train on WebGPU anyway (kept for the tab); ?backend=webgpu forces it', async () => {
  const browser = await launch({ webgpu: true, pageChoosesBackend: true });
  const { page } = browser;
  const fetched = trainerFetches(page);
  try {
    const { backend } = await openShell(browser);
    assert.equal(backend, 'cpu', 'SwiftShader is a fallback adapter: the CPU is faster');
    assert.match(await page.textContent('#auto-cpu'), /Training on the CPU: faster here than this browser's WebGPU/);
    assert.match(await page.textContent('#cpu-chosen'), /software fallback/);
    assert.equal(await page.locator('#fallback-notice').count(), 0, 'not a failure: a choice');
    await ready(page, READY_MS);
    const before = Number(await page.textContent('#step-count'));
    await page.click('#train');
    await page.waitForFunction((n) => Number(document.querySelector('#step-count').textContent) > n + 20, before, { timeout: READY_MS });
    await page.click('#train');
    assert.deepEqual(fetched, [], 'the WebGPU trainer is not fetched for CPU training');

    await page.click('#use-webgpu');
    await page.waitForSelector('#backend[data-backend="webgpu"]', { timeout: READY_MS });
    assert.equal(await page.locator('#auto-cpu').count(), 0);
    await ready(page, READY_MS);
    // Train: the wait for the trainer and the first step is shown, and Pause stays Pause.
    const onGpu = Number(await page.textContent('#step-count'));
    const clicked = Date.now();
    await page.click('#train');
    await page.waitForSelector('#loading-trainer', { timeout: READY_MS });
    const labels = new Set();
    const phases = new Set();
    while (Number(await page.textContent('#step-count')) <= onGpu) {
      labels.add((await page.textContent('#train')).trim());
      const phase = await page.locator('.train-progress').getAttribute('id').catch(() => null);
      if (phase) phases.add(phase);
      assert.ok(Date.now() - clicked < READY_MS, 'the first WebGPU step should come');
      await page.waitForTimeout(50);
    }
    console.log(`[webgpu] first step ${Date.now() - clicked} ms after Train; shown: ${[...phases].join(' → ')}`);
    assert.deepEqual([...labels], ['Pause'], 'the button should stay Pause on the way to the first step');
    assert.ok(phases.has('loading-trainer'), 'the trainer’s loading is shown');
    assert.ok(fetched.length > 0, 'WebGPU training loads its trainer');
    await page.click('#train');

    // Kept for the rest of the tab's session.
    await page.reload();
    await page.waitForSelector('main[data-ready="true"]', { timeout: READY_MS });
    assert.equal(await page.getAttribute('#backend', 'data-backend'), 'webgpu');
    await page.click('#switch-backend');
    await page.waitForSelector('#backend[data-backend="cpu"]', { timeout: READY_MS });
    assert.deepEqual(browser.errors, []);
  } finally {
    await browser.close();
  }
  // The address can ask for WebGPU from the start.
  const forced = await launch({ webgpu: true, pageChoosesBackend: true });
  try {
    await forced.page.goto(`${server.url}?backend=webgpu`);
    await forced.page.waitForSelector('main[data-ready="true"]', { timeout: READY_MS });
    assert.equal(await forced.page.getAttribute('#backend', 'data-backend'), 'webgpu');
  } finally {
    await forced.close();
  }
});
