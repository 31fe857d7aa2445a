// The app shell in a real browser: WebGPU when the browser has it, the CPU fallback when not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServer, launch } from './harness.js';

const server = useServer();

const READY_MS = 120_000;

async function openShell(browser) {
  const { page } = browser;
  const started = Date.now();
  await page.goto(server.url);
  await page.waitForSelector('main[data-ready="true"]', { timeout: READY_MS });
  const backend = await page.getAttribute('#backend', 'data-backend');
  const probe = page.locator('#probe');
  const firstMs = Number(await probe.getAttribute('data-first-ms'));
  const warmMs = Number(await probe.getAttribute('data-warm-ms'));
  console.log(
    `[${backend}] ready after ${Date.now() - started} ms; ${await page.textContent('#backend')}; ` +
      `first decode ${firstMs} ms, warm ${warmMs} ms`,
  );
  return { backend, firstMs, warmMs };
}

test('WebGPU run: the page reports the WebGPU backend and computes on it', async () => {
  const browser = await launch({ webgpu: true });
  try {
    const { backend, firstMs, warmMs } = await openShell(browser);
    assert.equal(backend, 'webgpu');
    assert.ok(firstMs > 0 && warmMs > 0, 'the probe should report its times');
    assert.equal(await browser.page.locator('#fallback-notice').count(), 0);
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

test('CPU run: without WebGPU the page falls back to the CPU with a notice', async () => {
  const browser = await launch({ webgpu: false });
  try {
    const { backend, firstMs } = await openShell(browser);
    assert.equal(backend, 'cpu');
    assert.ok(firstMs > 0);
    assert.match(await browser.page.textContent('#fallback-notice'), /CPU fallback/);
    await browser.screenshot('shell-cpu');
    assert.deepEqual(browser.errors, []);
  } finally {
    await browser.close();
  }
});
