// TensorFlow.js beside the page (prints numbers, asserts nothing; not part of the suite): the same
// VAE-MLP-2 (784-512-2, Bernoulli, Adam, batch 128) trained in the same headless Chromium for
// SECONDS on each TensorFlow.js backend, reading the loss back after every step as a loss curve
// does. Run it beside `bench.mjs` for the side-by-side figures.
//
//   npm install --no-save @tensorflow/tfjs@4.22.0 @tensorflow/tfjs-backend-webgpu@4.22.0
//   node tests/e2e/tfjs-bench.mjs [SECONDS] [webgl,webgpu,cpu]
import { createServer } from 'node:http';
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launch } from './harness.js';

const seconds = Number(process.argv[2] ?? 30);
const backends = (process.argv[3] ?? 'webgl,webgpu').split(',');
const modules = path.join(path.dirname(fileURLToPath(import.meta.url)), 'node_modules/@tensorflow');
const scripts = {
  '/tf.js': path.join(modules, 'tfjs/dist/tf.min.js'),
  '/tf-webgpu.js': path.join(modules, 'tfjs-backend-webgpu/dist/tf-backend-webgpu.min.js'),
};
for (const file of Object.values(scripts)) {
  if (!existsSync(file)) {
    console.error(`${file} is missing: install TensorFlow.js first (see the top of this file)`);
    process.exit(1);
  }
}

const html = `<!doctype html><script src="/tf.js"></script><script src="/tf-webgpu.js"></script>
<script>
window.run = async (backend, seconds) => {
  if (!(await tf.setBackend(backend))) return { backend, error: 'not available' };
  await tf.ready();
  const batch = 128;
  const glorot = tf.initializers.glorotUniform({});
  const dense = (i, o) => ({ w: tf.variable(glorot.apply([i, o])), b: tf.variable(tf.zeros([o])) });
  const [e1, mean, logVar, d1, d2] = [dense(784, 512), dense(512, 2), dense(512, 2), dense(2, 512), dense(512, 784)];
  const variables = [e1, mean, logVar, d1, d2].flatMap((l) => [l.w, l.b]);
  const adam = tf.train.adam(1e-3);
  const images = tf.tidy(() => tf.randomUniform([batch, 784]).greater(0.8).toFloat());
  const linear = (l, x) => tf.add(tf.matMul(x, l.w), l.b);
  const loss = () => {
    const h = tf.relu(linear(e1, images));
    const mu = linear(mean, h);
    const lv = linear(logVar, h);
    const z = mu.add(lv.mul(0.5).exp().mul(tf.randomNormal([batch, 2])));
    const logits = linear(d2, tf.relu(linear(d1, z)));
    const bce = tf.relu(logits).sub(logits.mul(images)).add(tf.log1p(tf.exp(tf.neg(tf.abs(logits)))));
    const kl = tf.mul(-0.5, tf.scalar(1).add(lv).sub(mu.square()).sub(lv.exp()));
    return bce.sum().add(kl.sum()).div(batch);
  };
  const step = async () => {
    const value = adam.minimize(loss, true, variables);
    const [number] = await value.data();
    value.dispose();
    return number;
  };
  for (let i = 0; i < 3; i++) await step();
  const start = performance.now();
  let steps = 0;
  let last = 0;
  while (performance.now() - start < seconds * 1000) {
    last = await step();
    steps += 1;
  }
  const elapsed = (performance.now() - start) / 1000;
  return { backend, steps, elapsed, samplesPerS: (steps * batch) / elapsed, loss: last };
};
</script>`;

const server = createServer((request, response) => {
  const file = scripts[request.url];
  if (file) {
    response.writeHead(200, { 'content-type': 'text/javascript' });
    response.end(readFileSync(file));
  } else {
    response.writeHead(200, { 'content-type': 'text/html' });
    response.end(html);
  }
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${server.address().port}/`;

for (const backend of backends) {
  // WebGL on SwiftShader needs its own flag in headless Chromium; WebGPU gets the page's flags.
  const browser = await launch({ webgpu: true, args: ['--enable-unsafe-swiftshader'] });
  await browser.page.goto(url);
  const result = await browser.page.evaluate(([b, s]) => window.run(b, s), [backend, seconds]);
  if (result.error) console.log(`TensorFlow.js ${backend}: ${result.error}`);
  else {
    console.log(
      `TensorFlow.js ${backend}: ${result.steps} steps in ${result.elapsed.toFixed(1)} s: ` +
        `${result.samplesPerS.toFixed(0)} samples/s wall clock (loss read every step; last ${result.loss.toFixed(1)})`,
    );
  }
  await browser.close();
}
server.close();
