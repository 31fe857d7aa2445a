// Where a training step's time goes in the page's worker (prints a profile, asserts nothing; not
// part of the suite): trains for SECONDS on the CPU (or WebGPU) while V8's sampling profiler runs
// in every worker, then prints each worker's functions by self time, with the wasm functions'
// Rust names as the build keeps them (the test build keeps its name section; release strips it).
//
//   DIST_DIR=/path/to/dist node --experimental-websocket tests/e2e/profile.mjs [SECONDS] [cpu|webgpu] [TOP] [mlp|conv]
import { serveDist, launch, startTraining } from './harness.js';

const seconds = Number(process.argv[2] ?? 20);
const webgpu = process.argv[3] === 'webgpu';
const top = Number(process.argv[4] ?? 40);
const model = process.argv[5] ?? 'mlp';
const port = 9300 + Math.floor(Math.random() * 600);

/** One connection to the browser's DevTools endpoint, with flat sessions for the workers. */
async function devtools() {
  const { webSocketDebuggerUrl } = await (await fetch(`http://127.0.0.1:${port}/json/version`)).json();
  const socket = new WebSocket(webSocketDebuggerUrl);
  await new Promise((resolve, reject) => {
    socket.onopen = resolve;
    socket.onerror = reject;
  });
  let id = 0;
  const waiting = new Map();
  socket.onmessage = ({ data }) => {
    const message = JSON.parse(data);
    const reply = waiting.get(message.id);
    if (!reply) return;
    waiting.delete(message.id);
    if (message.error) reply.reject(new Error(`${message.error.message}`));
    else reply.resolve(message.result);
  };
  const send = (method, params = {}, sessionId) =>
    new Promise((resolve, reject) => {
      waiting.set(++id, { resolve, reject });
      socket.send(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }));
    });
  return { send, close: () => socket.close() };
}

const nameOf = ({ functionName, url }) => (functionName || `(anonymous ${url.split('/').pop()})`).replace(/::h[0-9a-f]{16}$/, '');
/** Frames that say which operation a sample is for (the helpers below them do not). */
const owner = /^(burn_(flex|autodiff|optim|nn|core)::|vae_playground::)/;

/**
 * Self time per function (ms) with the burn or playground function it ran for (the nearest
 * caller that names an operation), and the total sampled, from a V8 CPU profile.
 */
function selfTimes(profile) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const counts = new Map();
  for (const id of profile.samples) counts.set(id, (counts.get(id) ?? 0) + 1);
  const total = profile.samples.length;
  const ms = (profile.endTime - profile.startTime) / 1000;
  const self = new Map();
  for (const [id, count] of counts) {
    const name = nameOf(byId.get(id).callFrame);
    let up = id;
    while (up !== undefined && !(owner.test(nameOf(byId.get(up).callFrame)) && up !== id)) up = parent.get(up);
    const key = up === undefined || owner.test(name) ? name : `${name}  ← ${nameOf(byId.get(up).callFrame)}`;
    self.set(key, (self.get(key) ?? 0) + count);
  }
  // Inclusive time of the frames that name a step's parts (the optimizer, backward, the loss).
  const inclusive = new Map();
  for (const [id, count] of counts) {
    const seen = new Set();
    for (let up = id; up !== undefined; up = parent.get(up)) seen.add(nameOf(byId.get(up).callFrame));
    for (const name of seen) if (parts.test(name)) inclusive.set(name, (inclusive.get(name) ?? 0) + count);
  }
  const sorted = (map) => [...map].sort((a, b) => b[1] - a[1]).map(([name, n]) => [name, (n / total) * ms]);
  return { total, ms, self: sorted(self), inclusive: sorted(inclusive) };
}
const parts = /^(<?burn_optim::|burn_autodiff::runtime::server::AutodiffServer::backward|<?burn_autodiff::ops::[a-z_:]+::[A-Za-z]+ as burn_autodiff::ops::backward::Backward|vae_playground::(vae|web::session)::)/;

const server = await serveDist();
const browser = await launch({ webgpu, args: [`--remote-debugging-port=${port}`] });
const { page } = browser;
await startTraining(page, server.url, model);

const cdp = await devtools();
const { targetInfos } = await cdp.send('Target.getTargets');
const workers = targetInfos.filter((t) => t.type === 'worker');
const sessions = [];
for (const worker of workers) {
  const { sessionId } = await cdp.send('Target.attachToTarget', { targetId: worker.targetId, flatten: true });
  await cdp.send('Profiler.enable', {}, sessionId);
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 }, sessionId);
  await cdp.send('Profiler.start', {}, sessionId);
  sessions.push({ worker, sessionId });
}
const stepsBefore = Number(await page.textContent('#step-count'));
await page.waitForTimeout(seconds * 1000);
const steps = Number(await page.textContent('#step-count')) - stepsBefore;
console.log(`${model}, ${webgpu ? 'WebGPU' : 'CPU'}: ${steps} steps in ~${seconds} s of profiling, ${workers.length} worker(s)`);
for (const { worker, sessionId } of sessions) {
  const { profile } = await cdp.send('Profiler.stop', {}, sessionId);
  const { total, ms, self, inclusive } = selfTimes(profile);
  console.log(`\nworker ${worker.url.split('/').pop() || worker.title}: ${total} samples over ${ms.toFixed(0)} ms`);
  for (const [name, t] of self.slice(0, top)) {
    console.log(`${t.toFixed(0).padStart(7)} ms ${((t / ms) * 100).toFixed(1).padStart(5)} %  ${name.slice(0, 220)}`);
  }
  console.log('\ninclusive:');
  for (const [name, t] of inclusive.slice(0, top)) {
    console.log(`${t.toFixed(0).padStart(7)} ms ${((t / ms) * 100).toFixed(1).padStart(5)} %  ${name.slice(0, 220)}`);
  }
}
cdp.close();
await page.click('#train');
await browser.close();
await server.close();
