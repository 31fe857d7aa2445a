// Teaching with the page: a layout that shows the point at once (desktop, tablet, phone), the
// legend, axes and explained words, presenter mode, keyboard shortcuts, lesson links (hidden and
// locked parts, a QR code), and an accessibility audit (axe-core) of all of it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { useServer, launch, ready, stepCount, clickAmong } from './harness.js';

const server = useServer();
const LONG = 180_000;
const axeSource = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core's violations on the page as it is now (WCAG 2.x A and AA, and best practice). */
async function audit(page, what) {
  // Evaluated by the browser's debugger, which the page's Content-Security-Policy does not bind.
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const result = await window.axe.run(document);
    return {
      passes: result.passes.length,
      found: result.violations.map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`),
    };
  });
  assert.ok(violations.passes >= 15, `${what}: axe-core should have checked the page (${violations.passes} rules passed)`);
  assert.deepEqual(violations.found, [], `${what}: axe-core should find no violations`);
}

const box = (page, selector) => page.locator(selector).boundingBox();

/** Nothing on the page is wider than the window. */
const noSidewaysScroll = (page) =>
  page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);

/** Pixels of the plane near a class's colour, drawn strongly (the legend's highlight tests). */
const planeColourCounts = (page) =>
  page.evaluate(() => {
    const canvas = document.querySelector('#latent-plane');
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let blue = 0;
    let orange = 0;
    for (let i = 0; i < data.length; i += 4) {
      const [r, g, b] = [data[i], data[i + 1], data[i + 2]];
      if (b > r + 60 && b > g + 20) blue += 1; // class 0, #1f77b4
      if (r > 200 && g > 110 && g < 200 && b < 120) orange += 1; // class 1, #ff7f0e
    }
    return { blue, orange };
  });

/** Black pixels around the cursor: how heavily it is drawn. */
const cursorInk = (page) =>
  page.evaluate(() => {
    const canvas = document.querySelector('#latent-plane');
    const half = Number(canvas.dataset.halfWidth);
    const [cx, cy] = canvas.dataset.centre.split(',').map(Number);
    const [x, y] = canvas.getAttribute('aria-valuetext').match(/\(([^)]*)\)/)[1].split(',').map((v) => Number(v.replace('−', '-')));
    const px = Math.round(((x - cx) / half + 1) / 2 * canvas.width);
    const py = Math.round((1 - (y - cy) / half) / 2 * canvas.height);
    const data = canvas.getContext('2d').getImageData(px - 30, py - 30, 60, 60).data;
    let ink = 0;
    for (let i = 0; i < data.length; i += 4) if (data[i] < 40 && data[i + 1] < 40 && data[i + 2] < 40) ink += 1;
    return ink;
  });

test('desktop: the plane and the decoded image side by side on screen with Train; a legend that picks out a class; axes; explained words; no axe violations', { timeout: LONG }, async () => {
  const run = await launch({ webgpu: false });
  const { page } = run;
  try {
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(`${server.url}?backend=cpu`);
    await ready(page);
    const [plane, decoded, train, settings] = await Promise.all(
      ['#latent-plane', '#decoded', '#train', '#learning-rate'].map((s) => box(page, s)),
    );
    for (const [name, b] of [['plane', plane], ['decoded image', decoded], ['Train', train]]) {
      assert.ok(b.x >= 0 && b.y >= 0 && b.x + b.width <= 1280 && b.y + b.height <= 800, `the ${name} should be fully visible at 1280×800 without scrolling: ${JSON.stringify(b)}`);
    }
    assert.ok(decoded.x >= plane.x + plane.width - 1 && decoded.y < plane.y + plane.height, 'the decoded image should be beside the plane');
    assert.ok(plane.width >= 400, `the plane should be large: ${plane.width}px`);
    assert.ok(settings.y > plane.y + plane.height, 'the settings should come after the plane');

    // The legend names the classes; picking one shows its points alone.
    const names = await page.locator('#legend button.class').allTextContents();
    assert.deepEqual(names.map((n) => n.trim()), ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    const before = await planeColourCounts(page);
    await page.click('#legend button.class[data-label="1"]');
    assert.equal(await page.getAttribute('#latent-plane', 'data-highlight'), '1');
    assert.equal(await page.getAttribute('#legend button.class[data-label="1"]', 'aria-pressed'), 'true');
    const highlighted = await planeColourCounts(page);
    assert.ok(highlighted.blue < before.blue * 0.3, `the 0s should fade when the 1s are picked: ${before.blue} → ${highlighted.blue} pixels`);
    assert.ok(highlighted.orange >= before.orange, `the 1s should stay strong: ${before.orange} → ${highlighted.orange} pixels`);
    await page.click('#legend button.class[data-label="1"]');
    assert.equal(await page.getAttribute('#latent-plane', 'data-highlight'), '');
    assert.match(await page.textContent('#legend .legend-caption'), /class/);

    // Axes named and ticked.
    assert.equal(await page.getAttribute('#latent-plane', 'data-axes'), 'z₁,z₂');
    const ticks = (await page.getAttribute('#latent-plane', 'data-x-ticks')).split(',').map(Number);
    assert.ok(ticks.length >= 3 && ticks.includes(0), `tick values along x: ${ticks}`);

    // The cursor's description says where it is and which class it is near.
    await clickAmong(page, 1, 1);
    const text = await page.getAttribute('#latent-plane', 'aria-valuetext');
    assert.match(text, /^z = \(−?\d+\.\d\d, −?\d+\.\d\d\), near the 1s$/, text);

    // An explained word: its explanation shows on keyboard focus.
    const mark = page.locator('#stage-title ~ .stage-plane .term-mark, .stage .term-mark').first();
    await mark.focus();
    const tip = page.locator('.stage .term-mark:focus + .tip');
    assert.ok(await tip.isVisible(), 'the explanation should show on focus');
    assert.match(await tip.textContent(), /encoder/);

    // The keyboard reaches the controls, with a visible focus ring.
    await page.locator('#train').focus();
    await page.keyboard.press('Tab');
    const ring = await page.evaluate(() => {
      const style = getComputedStyle(document.activeElement);
      return { id: document.activeElement.id, width: parseFloat(style.outlineWidth), style: style.outlineStyle };
    });
    assert.equal(ring.id, 'step');
    assert.ok(ring.width >= 2 && ring.style !== 'none', `a visible focus ring: ${JSON.stringify(ring)}`);

    await audit(page, 'the page');
    await run.screenshot('classroom-desktop');

    // Fashion-MNIST's classes by name.
    await page.selectOption('#dataset', 'fashion');
    await page.waitForFunction(() => document.querySelectorAll('#legend button.class').length === 10 && document.querySelector('#legend').textContent.includes('T-shirt'), null, { timeout: LONG });
    const fashion = (await page.locator('#legend button.class').allTextContents()).map((n) => n.trim());
    assert.deepEqual([fashion[0], fashion[1], fashion[9]], ['T-shirt', 'trouser', 'ankle boot']);
  } finally {
    await run.close();
  }
});

test('phone and tablet: the plane and the decoded image first, then Train, then the rest; nothing scrolls sideways; the plane works by touch', { timeout: LONG }, async () => {
  const run = await launch({ webgpu: false, touch: true });
  const { page } = run;
  try {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${server.url}?backend=cpu`);
    await ready(page);
    const order = await Promise.all(['#latent-plane', '#decoded', '#train', '#dataset', '#learning-rate'].map((s) => box(page, s)));
    for (let i = 1; i < order.length; i += 1) {
      assert.ok(order[i].y > order[i - 1].y, `on a phone, element ${i} should come after element ${i - 1}: ${order.map((b) => Math.round(b.y))}`);
    }
    assert.ok(await noSidewaysScroll(page), 'nothing should scroll sideways at 390×844');
    const plane = order[0];
    assert.ok(plane.width >= 300, `the plane should fill the phone's width: ${plane.width}px`);
    const before = await page.getAttribute('#latent-plane', 'aria-valuetext');
    await page.touchscreen.tap(plane.x + plane.width * 0.8, plane.y + plane.height * 0.25);
    const after = await page.getAttribute('#latent-plane', 'aria-valuetext');
    assert.notEqual(after, before, 'a tap should move the cursor');
    // A tap on a "?" shows its explanation.
    await page.locator('.stage .term-mark').first().tap();
    assert.ok(await page.locator('.stage .term-mark:focus + .tip').isVisible(), 'a tap should show the explanation');
    await run.screenshot('classroom-phone');

    await page.setViewportSize({ width: 768, height: 1024 });
    assert.ok(await noSidewaysScroll(page), 'nothing should scroll sideways at 768×1024');
    await run.screenshot('classroom-tablet');
  } finally {
    await run.close();
  }
});

test('presenter mode (WebGPU run): large plane and image side by side, large type, a thick cursor, the losses below, the rest in a drawer; no axe violations', { timeout: LONG }, async () => {
  const run = await launch({ webgpu: true });
  const { page } = run;
  try {
    await page.setViewportSize({ width: 1920, height: 1080 });
    await page.goto(server.url);
    await ready(page);
    const thin = await cursorInk(page);
    await page.click('#present');
    assert.equal(await page.getAttribute('#app', 'data-layout'), 'present');
    const thick = await cursorInk(page);
    assert.ok(thick > thin * 1.5, `the cursor should be drawn thicker for a projector: ${thin} → ${thick} dark pixels`);
    await page.click('#present');
    assert.equal(await page.getAttribute('#app', 'data-layout'), 'full');

    // Opened by its address.
    await page.goto('about:blank');
    await page.goto(`${server.url}#present`);
    await ready(page);
    for (const [width, height, minimum] of [[1920, 1080, 800], [1280, 720, 480]]) {
      await page.setViewportSize({ width, height });
      const [plane, decoded, losses] = await Promise.all(['#latent-plane', '#decoded', '#losses'].map((s) => box(page, s)));
      assert.ok(plane.width >= minimum, `at ${width}×${height} the plane should be large: ${plane.width}px`);
      assert.ok(decoded.width >= minimum * 0.6, `at ${width}×${height} the decoded image should be large: ${decoded.width}px`);
      assert.ok(decoded.x >= plane.x + plane.width - 1 && decoded.y + decoded.height <= height, `at ${width}×${height} the decoded image should be beside the plane, on screen`);
      assert.ok(plane.y + plane.height <= height, `at ${width}×${height} the plane should be on screen`);
      assert.ok(losses.y > plane.y + plane.height, 'the losses should be below');
      assert.ok(await noSidewaysScroll(page), `nothing should scroll sideways at ${width}×${height}`);
    }
    await page.setViewportSize({ width: 1920, height: 1080 });
    // Every word shown on the stage, the losses and the header, at its own size.
    const smallest = await page.evaluate(() => {
      const sizes = [];
      for (const element of document.querySelectorAll('header *, .stage *, #losses *')) {
        const own = [...element.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && n.textContent.trim());
        if (!own || !element.checkVisibility()) continue;
        // Words in a drawing are scaled with it.
        const svg = element.closest('svg');
        const scale = svg ? svg.getBoundingClientRect().width / svg.viewBox.baseVal.width : 1;
        sizes.push([parseFloat(getComputedStyle(element).fontSize) * scale, element.tagName]);
      }
      return sizes.sort((a, b) => a[0] - b[0])[0];
    });
    assert.ok(smallest[0] >= 24, `type should be at least 24 px at 1080p: the smallest is ${smallest}`);
    await page.click('#fullscreen');
    await page.waitForFunction(() => document.fullscreenElement === document.documentElement);
    await page.click('#fullscreen');
    await page.waitForFunction(() => document.fullscreenElement === null);
    assert.equal(await page.locator('#drawer').isVisible(), false, 'the rest should wait in a drawer');
    await page.click('#drawer-toggle');
    assert.ok(await page.locator('#learning-rate').isVisible(), 'the drawer should open');
    await page.click('#drawer-toggle');
    await audit(page, 'presenter mode');
    await run.screenshot('classroom-present');
  } finally {
    await run.close();
  }
});

test('keyboard shortcuts: Space, →, R, G, E, I and ?, never while typing in a field', { timeout: LONG }, async () => {
  const run = await launch({ webgpu: false });
  const { page } = run;
  try {
    await page.goto(`${server.url}?backend=cpu`);
    await ready(page);
    await page.locator('h1').click();
    const start = await stepCount(page);
    await page.keyboard.press('ArrowRight');
    await page.waitForFunction((s) => Number(document.querySelector('#step-count').textContent) === s + 1, start, { timeout: 30_000 });

    await page.keyboard.press('g');
    assert.equal(await page.getAttribute('#latent-plane', 'data-grid'), 'true');
    assert.ok(await page.isChecked('#grid'), 'the Grid box should follow the shortcut');
    await page.keyboard.press('e');
    assert.ok(await page.isChecked('#ellipses'), 'E should turn the σ ellipses on');

    // Typing in a field is typing.
    await page.locator('#seed').focus();
    await page.keyboard.press('g');
    await page.keyboard.press(' ');
    assert.equal(await page.getAttribute('#latent-plane', 'data-grid'), 'true', 'G typed in a field should not toggle the grid');
    assert.equal((await page.textContent('#train')).trim(), 'Train', 'Space typed in a field should not train');

    await page.locator('h1').click();
    await page.keyboard.press(' ');
    await page.waitForFunction(() => document.querySelector('#train').textContent.trim() === 'Pause');
    await page.waitForFunction((s) => Number(document.querySelector('#step-count').textContent) > s + 1, start, { timeout: 60_000 });
    await page.keyboard.press(' ');
    await page.waitForFunction(() => document.querySelector('#train').textContent.trim() === 'Train');

    const cursor = await page.getAttribute('#latent-plane', 'aria-valuetext');
    await page.keyboard.press('i');
    assert.equal((await page.textContent('#animate')).trim(), 'Stop');
    await page.waitForFunction((c) => document.querySelector('#latent-plane').getAttribute('aria-valuetext') !== c, cursor);
    await page.keyboard.press('i');
    assert.equal((await page.textContent('#animate')).trim(), 'Animate');

    await page.keyboard.press('?');
    assert.ok(await page.locator('#shortcut-help').isVisible(), '? should list the shortcuts');
    const keys = await page.locator('#shortcut-help kbd').allTextContents();
    assert.deepEqual(keys, ['Space', '→', 'R', 'G', 'E', 'I', '?']);
    await page.keyboard.press('Escape');
    assert.equal(await page.locator('#shortcut-help').isVisible(), false, 'Escape should close the list');

    await page.keyboard.press('r');
    await page.waitForFunction(() => Number(document.querySelector('#step-count').textContent) === 0, null, { timeout: 60_000 });
  } finally {
    await run.close();
  }
});

test('lesson links: the dialog gives a link and its QR code; the link hides and locks what it says, past the keyboard too', { timeout: LONG }, async () => {
  const run = await launch({ webgpu: false });
  const { page } = run;
  try {
    await page.goto(`${server.url}?backend=cpu`);
    await ready(page);
    await page.fill('#beta', '4');
    await page.locator('#beta').dispatchEvent('change');
    await page.click('#make-lesson');
    assert.ok(await page.locator('#lesson-dialog').isVisible());
    await page.uncheck('#see-data');
    await page.uncheck('#see-model');
    await page.uncheck('#change-beta');
    await page.uncheck('#change-train');
    const link = await page.inputValue('#lesson-link');
    assert.match(link, /^http:\/\/127\.0\.0\.1:\d+\/#data=mnist&.*beta=4.*&hide=data,model&lock=train,beta$/, link);
    assert.doesNotMatch(link, /test-hooks|backend=/, 'the lesson link is the page itself');
    const qr = page.locator('#lesson-qr svg');
    assert.ok(await qr.isVisible(), 'a QR code of the link');
    const qrBox = await qr.boundingBox();
    assert.ok(qrBox.width >= 200, `the QR code should be big enough to scan: ${qrBox.width}px`);
    await audit(page, 'the lesson-link dialog');
    await run.screenshot('classroom-lesson-dialog');
    await page.click('#lesson-close');

    // A student opens it.
    await page.goto('about:blank');
    await page.goto(link);
    // Train stays disabled (locked): wait for the model's points instead.
    await page.waitForFunction(() => Number(document.querySelector('#latent-plane')?.dataset.points) > 0, null, { timeout: LONG });
    assert.equal(await page.locator('#dataset').count(), 0, 'the data panel should be hidden');
    assert.equal(await page.locator('#save-model').count(), 0, 'saving and opening should be hidden');
    assert.ok(await page.isDisabled('#beta'), 'β should be locked');
    assert.equal(await page.inputValue('#beta'), '4', 'at the lesson’s value');
    assert.equal(await page.getAttribute('#beta', 'title'), 'Set for this lesson');
    assert.ok(await page.isDisabled('#train'), 'training should be locked');
    assert.ok(!(await page.isDisabled('#learning-rate')), 'what the lesson leaves open stays open');
    const steps = await stepCount(page);
    await page.locator('h1').click();
    await page.keyboard.press(' ');
    await page.keyboard.press('ArrowRight');
    await page.waitForTimeout(1500);
    assert.equal(await stepCount(page), steps, 'the keyboard should not train what the lesson locked');
    assert.equal((await page.textContent('#train')).trim(), 'Train');

    // A name the page does not know is named back, not guessed.
    await page.goto('about:blank');
    await page.goto(`${server.url}#data=mnist&hide=data,nonsense`);
    await ready(page);
    assert.match(await page.textContent('#model-message'), /not a part of the page: nonsense/);
  } finally {
    await run.close();
  }
});
