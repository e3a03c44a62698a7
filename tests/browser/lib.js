'use strict';
// What the browser flows (flow.js, admin_flow.js) share: TOTP codes, mail
// links, screenshots with the 360 px overflow check, navigation helpers and
// the harness that launches Chromium, collects console errors and CSP
// reports, and saves a screenshot of a failure.
//
// Environment (set by test_browser.py):
//   LK_BASE_URL        the portal, e.g. http://127.0.0.1:41234
//   LK_SCREENSHOT_DIR  where the PNGs go (under the build directory)
//   LK_MAIL_HELPER     JSON argv prefix of mail_link.py (prints a link path)
//   LK_CHROMIUM        the browser (default /usr/bin/chromium)
//   NODE_PATH          the node_modules that install.sh filled

const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { chromium } = require('playwright-core');

function env(name, fallback) {
  const value = process.env[name] || fallback;
  if (!value) throw new Error(`${name} is not set (run through test_browser.py)`);
  return value;
}

const base = env('LK_BASE_URL');
const shotDir = env('LK_SCREENSHOT_DIR');
const mailHelper = JSON.parse(env('LK_MAIL_HELPER'));

const kPeriod = 30;  // [totp] period and digits: the portal's defaults
const kDigits = 6;
const kViewports = [
  { width: 390, height: 844 },
  { width: 1280, height: 800 },
];

// --- TOTP (RFC 6238 over RFC 4226, HMAC-SHA1) ---

function base32Decode(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out = [];
  for (const c of text.replace(/[\s=]/g, '').toUpperCase()) {
    const i = alphabet.indexOf(c);
    if (i < 0) throw new Error(`not base32: ${JSON.stringify(text)}`);
    value = (value << 5) | i;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

function hotp(key, counter, digits) {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(counter));
  const mac = crypto.createHmac('sha1', key).update(msg).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const number = (mac.readUInt32BE(offset) & 0x7fffffff) % 10 ** digits;
  return String(number).padStart(digits, '0');
}

const currentStep = () => Math.floor(Date.now() / 1000 / kPeriod);

// RFC 6238 appendix B, SHA-1, T = 59 s and 1111111109 s.
function selfTestTotp() {
  const key = Buffer.from('12345678901234567890');
  assert.equal(hotp(key, Math.floor(59 / 30), 8), '94287082');
  assert.equal(hotp(key, Math.floor(1111111109 / 30), 8), '07081804');
}

// A code for a step after `usedStep` (the portal refuses a replayed step):
// waits for the next 30 s step when needed.
async function freshCode(key, usedStep) {
  while (currentStep() <= usedStep) {
    const wait = (usedStep + 1) * kPeriod * 1000 - Date.now() + 250;
    log(`waiting ${(wait / 1000).toFixed(1)} s for the next TOTP step`);
    await new Promise((resolve) => setTimeout(resolve, Math.max(wait, 50)));
  }
  const step = currentStep();
  return { step, code: hotp(key, step, kDigits) };
}

// --- helpers ---

function log(message) {
  process.stdout.write(`flow: ${message}\n`);
}

// "/activate?token=..." from the newest mail to `to` whose subject has
// `subject`; `count` = how many such mails must have arrived.
function mailLink(to, linkPath, count, subject) {
  const args = [...mailHelper, '--to', to, '--path', linkPath, '--count', String(count)];
  if (subject) args.push('--subject', subject);
  return execFileSync(args[0], args.slice(1), { encoding: 'utf8', timeout: 60000 }).trim();
}

const problems = [];  // console errors, CSP reports, uncaught exceptions
let shotNumber = 0;

// The stylesheet must work from 360 px up: at that width nothing may stick
// out sideways (that would need horizontal scrolling on a phone).
async function checkNoOverflow(page, name, width) {
  await page.setViewportSize({ width, height: 800 });
  const overflow = await page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    // A wide data table inside a box that scrolls sideways on its own
    // (.table-scroll) is fine: the page itself does not scroll.
    const inScrollBox = (el) => {
      for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
        const o = getComputedStyle(a).overflowX;
        if (o === 'auto' || o === 'scroll' || o === 'hidden') {
          const b = a.getBoundingClientRect();
          return b.right <= width + 0.5 && b.left >= -0.5;
        }
      }
      return false;
    };
    const wide = [];
    for (const el of document.querySelectorAll('body *')) {
      const r = el.getBoundingClientRect();
      if (r.width > 0 && (r.right > width + 0.5 || r.left < -0.5) && !inScrollBox(el)) {
        wide.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}` +
                  `${el.className && typeof el.className === 'string' ? '.' + el.className.split(' ')[0] : ''}` +
                  ` [${Math.round(r.left)}..${Math.round(r.right)}]`);
      }
    }
    return { scroll: document.documentElement.scrollWidth, width, wide: wide.slice(0, 5) };
  });
  assert.ok(overflow.scroll <= overflow.width && overflow.wide.length === 0,
            `${name} at ${width} px: wider than the screen (${overflow.scroll} > ` +
            `${overflow.width}): ${overflow.wide.join(', ')}`);
}

async function screenshots(page, name) {
  shotNumber += 1;
  // LK_SHOT_PREFIX keeps two flows' screenshots apart in one directory.
  const stem = `${process.env.LK_SHOT_PREFIX || ''}` +
               `${String(shotNumber).padStart(2, '0')}-${name}`;
  await checkNoOverflow(page, name, 360);
  for (const vp of kViewports) {
    await page.setViewportSize(vp);
    const file = path.join(shotDir, `${stem}-${vp.width}x${vp.height}.png`);
    await page.screenshot({ path: file, fullPage: true });
  }
  await page.setViewportSize(kViewports[1]);
  log(`screenshots ${stem}`);
}

async function expectPath(page, wanted) {
  await page.waitForLoadState('load');
  const url = new URL(page.url());
  assert.equal(url.pathname + url.search, wanted, `now at ${page.url()}`);
}

async function expectHeading(page, text) {
  const h1 = (await page.locator('main h1').first().textContent()).trim();
  assert.equal(h1, text);
}

// Clicks the button `buttonName` (in `scope`: a locator, default the main
// part of the page) and waits for the page it leads to.
async function submit(page, buttonName, scope) {
  const button = (scope || page.locator('main')).getByRole('button', { name: buttonName, exact: true });
  await Promise.all([
    page.waitForNavigation({ waitUntil: 'load' }),
    button.click(),
  ]);
}

async function signIn(page, login, password) {
  await page.goto(`${base}/login`);
  await page.fill('#login', login);
  await page.fill('#password', password);
  await submit(page, 'Sign in');
}

async function signOut(page) {
  await submit(page, 'Sign out', page.locator('header.site'));
  await expectPath(page, '/login?notice=signed_out');
}

async function expectSignedInAs(page) {
  await expectPath(page, '/profile');
  const nav = await page.locator('header.site nav').textContent();
  assert.match(nav, /Sign out/, 'the header offers to sign out');
}

// Runs `flow(page)` in a fresh headless Chromium profile; exits 1 with the
// failure, the browser's complaints and a screenshot if any step fails.
async function run(flow) {
  selfTestTotp();
  fs.mkdirSync(shotDir, { recursive: true });
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'lk-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: env('LK_CHROMIUM', '/usr/bin/chromium'),
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
           '--no-first-run', '--disable-background-networking',
           '--disable-component-update', '--disable-sync'],
    viewport: kViewports[1],
    timeout: 60000,
  });
  let failed = false;
  try {
    context.setDefaultTimeout(30000);
    const page = context.pages()[0] || (await context.newPage());
    // Pages answer 401/403/404/409 on purpose (a refused sign-in, a used
    // link); Chromium logs each as "Failed to load resource". What counts
    // is any other console error (CSP violations, script errors) and any
    // failed subresource (stylesheet, script, image; not the favicon,
    // which the portal does not have).
    page.on('console', (msg) => {
      if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) {
        problems.push(`console: ${msg.text()}`);
      }
    });
    page.on('response', (response) => {
      const request = response.request();
      if (response.status() >= 400 && request.resourceType() !== 'document' &&
          new URL(response.url()).pathname !== '/favicon.ico') {
        problems.push(`${request.resourceType()} ${response.url()}: ${response.status()}`);
      }
    });
    page.on('requestfailed', (request) => {
      problems.push(`${request.resourceType()} ${request.url()}: ${request.failure().errorText}`);
    });
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    try {
      await flow(page);
      assert.deepEqual(problems, [], 'no console errors (CSP violations included)');
    } catch (err) {
      failed = true;
      process.stderr.write(`flow: FAILED at ${page.url()}\n${err.stack || err}\n`);
      if (problems.length) process.stderr.write(`flow: browser said:\n  ${problems.join('\n  ')}\n`);
      try {
        const file = path.join(shotDir, 'failure.png');
        await page.screenshot({ path: file, fullPage: true });
        process.stderr.write(`flow: screenshot of the failure: ${file}\n`);
        const text = await page.locator('body').innerText();
        process.stderr.write(`flow: page text:\n${text.slice(0, 2000)}\n`);
      } catch (_) { /* the page may be gone */ }
    }
  } finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
  if (failed) process.exit(1);
  log(`all steps passed; screenshots in ${shotDir}`);
}


module.exports = {
  assert, base, env, log, mailLink, base32Decode, hotp, currentStep,
  freshCode, screenshots, expectPath, expectHeading, submit, signIn, signOut,
  expectSignedInAs, run, kDigits,
};
