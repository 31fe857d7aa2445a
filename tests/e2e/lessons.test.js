// Guided lessons: each built-in lesson run to its end by doing what it asks, as a learner would
// (CPU run); a lesson link opens at its step.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServer, launch, ready, clickAmong } from './harness.js';

const server = useServer();
const LONG = 300_000;

const card = (page) => page.locator('#lesson-card');

/** Waits for step `index` of the card, checks what it points at, and returns its title. */
async function atStep(page, index, highlight) {
  await page.waitForFunction((i) => document.querySelector('#lesson-card')?.dataset.step === String(i), index);
  if (highlight) {
    await page.waitForFunction((id) => document.getElementById(id)?.classList.contains('lesson-highlight'), highlight);
  }
  return page.textContent('#lesson-card-title');
}

/** Next is refused until the step is done; then it goes on. */
async function next(page) {
  await page.waitForFunction(() => document.querySelector('#lesson-card').dataset.done === 'true', null, { timeout: LONG });
  await page.click('#lesson-next');
}

/** Presses Train, lets the step's training finish, and pauses. */
async function trainThrough(page) {
  if ((await page.textContent('#train')).trim() === 'Train') await page.click('#train');
  await page.waitForFunction(() => document.querySelector('#lesson-card').dataset.done === 'true', null, { timeout: LONG });
  await page.click('#train');
  await page.waitForFunction(() => document.querySelector('#train').textContent.trim() === 'Train');
}

async function start(page, id) {
  await page.click('#lessons');
  await page.click(`#start-${id}`);
  await card(page).waitFor();
  assert.equal(await card(page).getAttribute('data-lesson'), id);
}

async function finish(page) {
  await page.waitForFunction(() => document.querySelector('#lesson-card').dataset.done === 'true');
  assert.equal((await page.textContent('#lesson-next')).trim(), 'Finish');
  await page.click('#lesson-next');
  assert.equal(await card(page).count(), 0, 'the lesson ends');
}

test('every built-in lesson runs to its end when the learner does what it asks', { timeout: 900_000 }, async () => {
  const run = await launch({ webgpu: false });
  const { page } = run;
  try {
    await page.goto(`${server.url}?backend=cpu`);
    await ready(page);

    // 1. What a latent space is.
    await start(page, 'latent-space');
    await atStep(page, 0, 'latent-plane');
    assert.ok(await page.isEnabled('#lesson-next'), 'a step without a wait can be left at once');
    assert.ok(await page.isDisabled('#lesson-back'));
    await next(page);
    await atStep(page, 1, 'decoded');
    assert.ok(await page.isDisabled('#lesson-next'), 'Next waits for the learner');
    assert.match(await page.textContent('#lesson-status'), /the 7s/);
    await clickAmong(page, 7);
    await next(page);
    await atStep(page, 2);
    await clickAmong(page, 0);
    await next(page);
    await atStep(page, 3, 'grid');
    await page.check('#grid');
    await next(page);
    await atStep(page, 4);
    await page.click('#lesson-back');
    await atStep(page, 3, 'grid');
    await next(page);
    await run.screenshot('lesson-latent-space');
    await finish(page);

    // 2. Watch an autoencoder learn.
    await start(page, 'watch-it-learn');
    await atStep(page, 0, 'reset');
    await page.click('#reset');
    await next(page);
    await atStep(page, 1, 'train');
    await page.click('#train');
    await page.waitForFunction(() => document.querySelector('#lesson-card').dataset.done === 'true', null, { timeout: LONG });
    await page.click('#lesson-next');
    await atStep(page, 2, 'losses');
    await trainThrough(page);
    await page.click('#lesson-next');
    await atStep(page, 3, 'latent-plane');
    await finish(page);

    // 3. β and the KL term: each step sets β as it says.
    await start(page, 'beta-and-kl');
    await atStep(page, 0, 'ellipses');
    await page.check('#ellipses');
    await next(page);
    await atStep(page, 1, 'beta');
    await page.waitForFunction(() => document.querySelector('#beta').value === '0');
    await trainThrough(page);
    await page.click('#lesson-next');
    await atStep(page, 2);
    await page.waitForFunction(() => document.querySelector('#beta').value === '4');
    await trainThrough(page);
    await page.click('#lesson-next');
    await atStep(page, 3);
    await finish(page);

    // 4. Generating.
    await start(page, 'generating');
    await atStep(page, 0, 'samples');
    await next(page);
    await atStep(page, 1, 'two-samples');
    await page.click('#two-samples');
    await next(page);
    await atStep(page, 2, 'latent-plane');
    await page.locator('#latent-plane').focus();
    for (let i = 0; i < 60 && (await card(page).getAttribute('data-done')) !== 'true'; i += 1) {
      await page.keyboard.press('Shift+ArrowLeft');
    }
    await next(page);
    await atStep(page, 3);
    await finish(page);

    // 5. VAE versus VAE-GAN: the step opens the VAE-GAN, and training shows the discriminator.
    await start(page, 'vae-gan');
    await atStep(page, 0, 'samples');
    await next(page);
    await atStep(page, 1, 'samples');
    await page.waitForSelector('#pretrained-plain', { timeout: LONG });
    await next(page);
    await atStep(page, 2, 'train');
    await ready(page);
    await trainThrough(page);
    assert.ok(await page.locator('#d-loss').isVisible(), 'the discriminator’s loss shows');
    await page.click('#lesson-next');
    await atStep(page, 3);
    await finish(page);
  } finally {
    await run.close();
  }
});

test('a lesson link opens at its step, and the share link carries the lesson', { timeout: LONG }, async () => {
  const run = await launch({ webgpu: false });
  const { page } = run;
  try {
    await page.goto(`${server.url}?backend=cpu#data=mnist&lesson=generating&step=2`);
    await ready(page);
    await atStep(page, 2, 'latent-plane');
    assert.match(await page.textContent('#lesson-card-title'), /Off the map \(3 of 4\)/);
    await page.click('#share');
    await page.waitForFunction(() => document.querySelector('#share-url')?.value.includes('lesson='));
    assert.match(await page.inputValue('#share-url'), /&lesson=generating&step=2/);
    await page.click('#lesson-leave');
    assert.equal(await card(page).count(), 0);
    assert.equal(await page.locator('.lesson-highlight').count(), 0, 'nothing stays highlighted');
  } finally {
    await run.close();
  }
});
