// Trunk's post-build hook, on the staged site:
// 1. Trunk starts the page with an inline <script type="module">, but the page's
//    Content-Security-Policy allows no inline script: it moves to a file of its own, named after
//    its contents.
// 2. The service worker (sw.js) learns what to cache at install — the page, its scripts, wasm,
//    CSS, icons and shipped models — and the build's id, a hash of all of them, which names its
//    cache.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const dir = process.env.TRUNK_STAGING_DIR;
if (!dir) throw new Error('run by Trunk as a post_build hook (TRUNK_STAGING_DIR is unset)');
const page = path.join(dir, 'index.html');
let html = readFileSync(page, 'utf8');
html = html.replace(/<script type="module">([\s\S]*?)<\/script>/g, (_, body) => {
  const name = `start-${createHash('sha256').update(body).digest('hex').slice(0, 16)}.js`;
  writeFileSync(path.join(dir, name), body);
  return `<script type="module" src="./${name}"></script>`;
});
if (/<script(?![^>]*\ssrc=)[^>]*>/.test(html)) {
  throw new Error('index.html still holds an inline script, which the Content-Security-Policy refuses');
}
writeFileSync(page, html);

// Everything but the datasets and the WebGPU trainer (cached when first used) and the worker.
const files = (folder) =>
  readdirSync(path.join(dir, folder)).flatMap((name) => {
    const file = path.join(folder, name);
    return statSync(path.join(dir, file)).isDirectory() ? files(file) : [file];
  });
const precache = files('')
  .filter((f) => !/^(mnist|fashion-mnist)\//.test(f) && !f.startsWith('vae-trainer-webgpu') && f !== 'sw.js')
  .sort();
const build = createHash('sha256');
for (const file of precache) build.update(file).update(readFileSync(path.join(dir, file)));
const worker = path.join(dir, 'sw.js');
writeFileSync(
  worker,
  readFileSync(worker, 'utf8')
    .replace("'__BUILD__'", JSON.stringify(build.digest('hex').slice(0, 16)))
    .replace('__PRECACHE__', JSON.stringify(['./', ...precache])),
);
