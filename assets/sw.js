// The page's service worker: the page works offline once visited.
//
// At install it caches this build's page — the HTML, its scripts, wasm and CSS, the icons and the
// shipped models — under a cache named after the build (filled in by scripts/post-build.mjs).
// The datasets (unchanged from build to build: a cache of their own) and the WebGPU trainer are
// cached the first time they are fetched. Every request of the page is answered from this
// build's caches first, so a page and its wasm always come from the same build; a new build's
// worker waits until the page says to take over (the user pressing Reload), then old caches go.
const BUILD = '__BUILD__';
const PRECACHE = __PRECACHE__;
const PAGE_CACHE = `vae-playground-${BUILD}`;
const DATA_CACHE = 'vae-playground-data-1';

/** What is kept the first time it is fetched, and in which cache. */
function keptIn(url) {
  const file = url.pathname.slice(new URL(self.registration.scope).pathname.length);
  if (/^(mnist|fashion-mnist)\//.test(file)) return DATA_CACHE;
  if (/^(models\/|vae-trainer-webgpu)/.test(file)) return PAGE_CACHE;
  return null;
}

self.addEventListener('install', (event) => {
  const scope = self.registration.scope;
  event.waitUntil(
    caches.open(PAGE_CACHE).then((cache) => cache.addAll(PRECACHE.map((file) => new URL(file, scope).href))),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((n) => n.startsWith('vae-playground-') && n !== PAGE_CACHE && n !== DATA_CACHE).map((n) => caches.delete(n))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('message', (event) => {
  if (event.data === 'take-over') self.skipWaiting();
  if (event.data === 'build') event.source?.postMessage({ build: BUILD });
});

async function answer(request) {
  const url = new URL(request.url);
  const page = await caches.open(PAGE_CACHE);
  // The page itself, whatever its query (the query is the page's, not the server's).
  const navigation = request.mode === 'navigate';
  const cached = navigation
    ? await page.match(new URL('./', self.registration.scope).href)
    : (await page.match(request)) ?? (await (await caches.open(DATA_CACHE)).match(request));
  if (cached) return cached;
  const response = await fetch(request);
  const cache = keptIn(url);
  if (cache && response.ok) await (await caches.open(cache)).put(request, response.clone());
  return response;
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET' || new URL(request.url).origin !== self.location.origin) return;
  event.respondWith(answer(request));
});
