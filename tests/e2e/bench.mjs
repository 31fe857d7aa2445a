// The in-page training benchmark (prints numbers, asserts nothing; not part of the suite):
// wall-clock samples/s over SECONDS of training, everything between steps counted (batches,
// reports, weight copies, the plane's encodings), beside one step's compute, the trainer's
// reads from the device per step and, on WebGPU, the kernels launched per step (every dispatch
// in the workers, the weights' copies and the held-out evaluations included), on the CPU and on
// WebGPU (SwiftShader), and Chromium's resident memory at the start and the end.
//
//   DIST_DIR=/path/to/dist node tests/e2e/bench.mjs [SECONDS] [cpu|webgpu|both] [mlp|conv]
import { execFileSync } from 'node:child_process';
import { serveDist, launch, startTraining } from './harness.js';

const seconds = Number(process.argv[2] ?? 30);
const which = process.argv[3] ?? 'both';
const model = process.argv[4] ?? 'mlp';
const batch = 128;

/** Resident memory of every Chromium process, MB (only the benchmark's browser runs). */
function chromiumMb() {
  const out = execFileSync('ps', ['-C', 'chromium', '-o', 'rss='], { encoding: 'utf8' });
  return out.split('\n').filter(Boolean).reduce((sum, kb) => sum + Number(kb), 0) / 1024;
}

/** From now on, every WebGPU dispatch in the page's workers counts in `self.__launches`. */
async function countLaunches(page) {
  for (const worker of page.workers()) {
    await worker.evaluate(() => {
      const pass = self.GPUComputePassEncoder?.prototype;
      if (!pass || self.__launches !== undefined) return;
      self.__launches = 0;
      for (const name of ['dispatchWorkgroups', 'dispatchWorkgroupsIndirect']) {
        const dispatch = pass[name];
        pass[name] = function (...args) {
          self.__launches += 1;
          return dispatch.apply(this, args);
        };
      }
    });
  }
}

/** WebGPU dispatches counted so far, over all the page's workers. */
async function launches(page) {
  let count = 0;
  for (const worker of page.workers()) count += await worker.evaluate(() => self.__launches ?? 0);
  return count;
}

const server = await serveDist();
for (const webgpu of [false, true]) {
  if (which !== 'both' && (which === 'webgpu') !== webgpu) continue;
  const name = webgpu ? 'WebGPU (SwiftShader)' : 'CPU';
  const browser = await launch({ webgpu });
  const { page } = browser;
  await startTraining(page, server.url, model);
  const read = () =>
    page.evaluate(() => {
      const rate = document.querySelector('#samples-per-s');
      return {
        step: Number(document.querySelector('#step-count').textContent),
        reads: Number(rate.dataset.hostReads),
        compute: Number(rate.textContent),
        at: performance.now(),
      };
    });
  if (webgpu) await countLaunches(page);
  const [start, startMb, startLaunches] = [await read(), chromiumMb(), await launches(page)];
  // Resident memory every two minutes of a long run (a soak), as well as at its ends.
  const resident = [startMb];
  for (let left = seconds; left > 0; left -= 120) {
    await page.waitForTimeout(Math.min(left, 120) * 1000);
    resident.push(chromiumMb());
  }
  const [end, endMb, endLaunches] = [await read(), resident.at(-1), await launches(page)];
  const steps = end.step - start.step;
  const launchesPerStep = webgpu
    ? `${((endLaunches - startLaunches) / Math.max(steps, 1)).toFixed(1)} kernel launches per step`
    : 'no GPU kernels';
  const wall = (steps * batch) / ((end.at - start.at) / 1000);
  console.log(
    `${model}, ${name}: ${steps} steps in ${((end.at - start.at) / 1000).toFixed(1)} s: ${wall.toFixed(0)} samples/s wall clock; ` +
      `one step's compute ${end.compute} samples/s; ${((end.reads - start.reads) / Math.max(steps, 1)).toFixed(3)} reads per step; ` +
      `${launchesPerStep}; ` +
      `Chromium resident ${startMb.toFixed(0)} → ${endMb.toFixed(0)} MB` +
      (resident.length > 2 ? ` (every 2 min: ${resident.map((mb) => mb.toFixed(0)).join(' → ')})` : ''),
  );
  await page.click('#train');
  await browser.close();
}
await server.close();
