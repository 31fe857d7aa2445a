// Shared pieces of the end-to-end suite: a static server for dist/ and a headless Chromium
// that either has WebGPU (SwiftShader) or lacks it (the CPU fallback).
import { createServer } from 'node:http';
import { readFile, mkdir } from 'node:fs/promises';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { before, after } from 'node:test';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const root = path.resolve(here, '../..');
export const dist = path.resolve(process.env.DIST_DIR ?? path.join(root, 'dist'));
export const screenshots = path.resolve(
  process.env.E2E_OUT ?? path.join(process.env.CARGO_TARGET_DIR ?? path.join(root, 'target'), 'e2e'),
);

const types = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.wasm': 'application/wasm',
  '.css': 'text/css',
  '.gz': 'application/gzip',
  '.png': 'image/png',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.webmanifest': 'application/manifest+json',
};

/**
 * Serves dist/ on a free loopback port; resolves to { url, close, serve }. `prefix` puts the site
 * under a sub-path (as a course's web space would); `serve(folder)` switches to another build.
 */
export async function serveDist({ prefix = '/' } = {}) {
  let root = dist;
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    if (!url.pathname.startsWith(prefix)) {
      res.writeHead(404).end('not found');
      return;
    }
    const inside = url.pathname.slice(prefix.length - 1);
    const file = path.join(root, decodeURIComponent(inside === '/' ? '/index.html' : inside));
    if (!file.startsWith(root)) {
      res.writeHead(403).end();
      return;
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': types[path.extname(file)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}${prefix}`,
    close: () => new Promise((r) => server.close(r)),
    serve: (folder) => {
      root = path.resolve(folder);
    },
  };
}

/** The page's own address with its test hooks on (`window.__vae`: off unless asked for). */
export function withHooks(url) {
  const address = new URL(url);
  address.searchParams.set('test-hooks', '1');
  return address.href;
}

/**
 * Launches headless Chromium with or without WebGPU; collects console errors and panics. Every
 * page of the suite is held to the page's promises here, whatever the test: `close()` fails on
 * any Content-Security-Policy violation and on any request to another origin than the page's.
 * `touch`: the page gets a touch screen (`navigator.maxTouchPoints`, touch events).
 * `serviceWorkers: 'allow'` lets the page register its service worker (the offline tests); other
 * tests block it, so that each sees the network as the test routes it. With `webgpu`, pages open
 * with `?backend=webgpu` unless `pageChoosesBackend`. `args`: more Chromium flags (the tools').
 */
export async function launch({ webgpu, touch = false, serviceWorkers = 'block', pageChoosesBackend = false, args: extra = [] }) {
  const profile = mkdtempSync(path.join(tmpdir(), 'vae-e2e-'));
  const args = [
    '--headless=new',
    '--no-sandbox',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ];
  if (webgpu) args.push('--enable-unsafe-webgpu');
  args.push(...extra);
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args,
    viewport: { width: 1280, height: 900 },
    hasTouch: touch,
    serviceWorkers,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console.error: ${message.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`page error: ${error.message}`));
  // Requests to anything but the page's own server (workers' included), and CSP violations.
  const foreign = [];
  context.on('request', (request) => {
    const url = new URL(request.url());
    const local = ['127.0.0.1', 'localhost'].includes(url.hostname);
    if (!['data:', 'blob:'].includes(url.protocol) && !local) foreign.push(request.url());
  });
  await context.addInitScript(() => {
    window.__csp_violations = [];
    document.addEventListener('securitypolicyviolation', (e) =>
      window.__csp_violations.push(`${e.violatedDirective}: ${e.blockedURI || 'inline'} (${e.sourceFile}:${e.lineNumber})`),
    );
  });
  const violations = [];
  const crashes = [];
  const collectViolations = async () => {
    for (const p of context.pages()) {
      try {
        violations.push(...(await p.evaluate(() => window.__csp_violations ?? [])));
        const fatal = await p.evaluate(() => document.querySelector('#fatal:not([hidden])')?.textContent);
        if (fatal) crashes.push(fatal);
      } catch {
        // A page that is gone has nothing more to say.
      }
    }
  };
  // Every address the tests open carries the test hooks' flag. The WebGPU run trains on WebGPU:
  // left to itself the page would choose the CPU, faster than SwiftShader's software adapter
  // (`pageChoosesBackend` tests that choice).
  const goto = page.goto.bind(page);
  page.goto = (url, options) => {
    const address = new URL(withHooks(url));
    if (webgpu && !pageChoosesBackend && !address.searchParams.has('backend')) address.searchParams.set('backend', 'webgpu');
    return goto(url.startsWith('about:') ? url : address.href, options);
  };
  return {
    page,
    errors,
    async screenshot(name) {
      await mkdir(screenshots, { recursive: true });
      const file = path.join(screenshots, `${name}.png`);
      await page.screenshot({ path: file, fullPage: true });
      return file;
    },
    async close() {
      await collectViolations();
      await context.close();
      rmSync(profile, { recursive: true, force: true });
      const csp = [...violations, ...errors.filter((e) => /Content Security Policy/.test(e))];
      if (csp.length > 0) throw new Error(`Content-Security-Policy violations:\n${csp.join('\n')}`);
      if (foreign.length > 0) throw new Error(`requests to another origin:\n${foreign.join('\n')}`);
      if (crashes.length > 0) throw new Error(`the page stopped:\n${crashes.join('\n')}`);
    },
  };
}

/** Serves dist/ for the tests of one file: `server.url` is set before the first test. */
export function useServer(options) {
  const server = { url: null, serve: null };
  let running;
  before(async () => {
    running = await serveDist(options);
    server.url = running.url;
    server.serve = running.serve;
  });
  after(async () => {
    await running?.close();
  });
  return server;
}

/**
 * The benchmarks' start (bench.mjs, profile.mjs): opens the page, chooses the model (`mlp` or
 * `conv`), resets it to fresh weights and trains until three steps are done.
 */
export async function startTraining(page, url, model) {
  await page.goto(url);
  await ready(page);
  if (model === 'conv') {
    await page.selectOption('#architecture', 'conv');
    await ready(page);
  }
  await page.click('#reset');
  await ready(page);
  await page.click('#train');
  await page.waitForFunction(() => Number(document.querySelector('#step-count').textContent) >= 3, null, { timeout: 600_000 });
}

/** The step counter the page shows. */
export const stepCount = (page) => page.textContent('#step-count').then(Number);

/** The decoded canvas's own pixels (one canvas pixel per image pixel), red channel. */
export const decodedPixels = (page) =>
  page.evaluate(() => {
    const canvas = document.querySelector('#decoded');
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    return Array.from({ length: data.length / 4 }, (_, i) => data[i * 4]);
  });

/** Waits until a model is loaded and Train can be pressed. */
export const ready = (page, timeout = 180_000) =>
  page.waitForFunction(() => document.querySelector('#train')?.disabled === false, null, { timeout });

/**
 * Clicks the latent plane on a held-out image of class `label` whose neighbours (within a tenth
 * of the view) are at least `share` of its own class — where the page should say it is near
 * them. Returns the latent point clicked.
 */
export async function clickAmong(page, label, share = 0.8) {
  const place = await page.evaluate(([label, share]) => {
    const points = window.__vae.points();
    const reach = Number(document.querySelector('#latent-plane').dataset.halfWidth) / 10;
    return points.find(([x, y, l]) => {
      if (l !== label) return false;
      const near = points.filter(([px, py]) => Math.hypot(px - x, py - y) <= reach);
      return near.length >= 3 && near.filter((p) => p[2] === label).length / near.length >= share;
    });
  }, [label, share]);
  if (!place) throw new Error(`no place among the ${label}s`);
  const plane = page.locator('#latent-plane');
  await plane.scrollIntoViewIfNeeded();
  const b = await plane.boundingBox();
  const half = Number(await plane.getAttribute('data-half-width'));
  const [cx, cy] = (await plane.getAttribute('data-centre')).split(',').map(Number);
  await page.mouse.click(b.x + ((place[0] - cx) / half + 1) / 2 * b.width, b.y + (1 - (place[1] - cy) / half) / 2 * b.height);
  return place;
}
