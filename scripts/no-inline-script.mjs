// Trunk's post-build hook: Trunk starts the page with an inline <script type="module">, but the
// page's Content-Security-Policy allows no inline script. The script moves to a file of its own,
// named after its contents, beside the page.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const dir = process.env.TRUNK_STAGING_DIR;
const publicUrl = process.env.TRUNK_PUBLIC_URL ?? '/';
if (!dir) throw new Error('run by Trunk as a post_build hook (TRUNK_STAGING_DIR is unset)');
const page = path.join(dir, 'index.html');
let html = readFileSync(page, 'utf8');
html = html.replace(/<script type="module">([\s\S]*?)<\/script>/g, (_, body) => {
  const name = `start-${createHash('sha256').update(body).digest('hex').slice(0, 16)}.js`;
  writeFileSync(path.join(dir, name), body);
  return `<script type="module" src="${publicUrl}${name}"></script>`;
});
if (/<script(?![^>]*\ssrc=)[^>]*>/.test(html)) {
  throw new Error('index.html still holds an inline script, which the Content-Security-Policy refuses');
}
writeFileSync(page, html);
