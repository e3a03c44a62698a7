'use strict';
// The portal in a real browser: Debian's headless Chromium driven by
// playwright-core. One new user goes through register -> activation link
// from the mail -> sign in -> TOTP enrolment -> sign out, sign in with a
// code -> forgot/reset through the mailed link -> sign in with the new
// password. Every major page is saved as a screenshot at 390x844 and
// 1280x800, and checked for horizontal overflow at 360 px.
//
// Started by test_browser.py, which runs the portal and the SMTP server.
// Environment:
//   LK_BASE_URL        the portal, e.g. http://127.0.0.1:41234
//   LK_SCREENSHOT_DIR  where the PNGs go (under the build directory)
//   LK_MAIL_HELPER     JSON argv prefix of mail_link.py (prints a link path)
//   LK_USERNAME        the user to register (unique per run)
//   LK_CHROMIUM        the browser (default /usr/bin/chromium)
//   NODE_PATH          the node_modules that install.sh filled
// Exit status 0 when every step did what it should; a message and 1 if not.

const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { chromium } = require('playwright-core');

const kPeriod = 30;  // [totp] period and digits: the portal's defaults
const kDigits = 6;
const kViewports = [
  { width: 390, height: 844 },
  { width: 1280, height: 800 },
];

function env(name, fallback) {
  const value = process.env[name] || fallback;
  if (!value) throw new Error(`${name} is not set (run through test_browser.py)`);
  return value;
}

const base = env('LK_BASE_URL');
const shotDir = env('LK_SCREENSHOT_DIR');
const mailHelper = JSON.parse(env('LK_MAIL_HELPER'));
const username = env('LK_USERNAME');
const email = `${username}@example.org`;
const password1 = 'Correct horse battery staple 41';
const password2 = 'Ünïcode tulip lantern gravel 92';

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
    const wide = [];
    for (const el of document.querySelectorAll('body *')) {
      const r = el.getBoundingClientRect();
      if (r.width > 0 && (r.right > width + 0.5 || r.left < -0.5)) {
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
  const stem = `${String(shotNumber).padStart(2, '0')}-${name}`;
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

// --- the flow ---

async function flow(page) {
  // 1. Register.
  await page.goto(`${base}/register`);
  await expectHeading(page, 'Create an account');
  await page.fill('#full_name', 'Brenda Browser');
  await page.fill('#username', username);
  await page.fill('#email', email);
  await page.fill('#password', password1);
  await page.fill('#confirm', password1);
  await screenshots(page, 'register');
  await submit(page, 'Create account');
  await expectPath(page, '/login?notice=registered');
  assert.ok(await page.locator('p.notice').isVisible(), 'a notice says what happens next');
  await screenshots(page, 'registered');

  // Not yet confirmed: signing in must not work.
  await signIn(page, username, password1);
  await expectPath(page, '/login');
  assert.ok(await page.locator('p.alert').isVisible(), 'an error before activation');
  await screenshots(page, 'login-unconfirmed');

  // 2. The activation link from the mail.
  const activate = mailLink(email, '/activate', 1);
  log(`activation link ${activate.replace(/token=.*/, 'token=...')}`);
  // Opening it only asks (a mail scanner that opens links activates
  // nothing); the button confirms.
  await page.goto(base + activate);
  await expectHeading(page, 'Confirm your email address');
  await screenshots(page, 'activate-confirm');
  await page.getByRole('button', { name: 'Confirm my email address' }).click();
  await expectHeading(page, 'Email address confirmed');
  await screenshots(page, 'activated');
  // The same link again: a clear page, not an error.
  await page.goto(base + activate);
  await expectHeading(page, 'This link was already used');
  await screenshots(page, 'activate-used');

  // 3. Sign in.
  await signIn(page, email, password1);  // by email this time
  await expectSignedInAs(page);
  await screenshots(page, 'profile');

  // 4. Enrol TOTP with a code computed from the shown secret.
  await page.goto(`${base}/security`);
  await expectHeading(page, 'Security');
  await screenshots(page, 'security');
  await submit(page, 'Set up two-step sign-in');
  await expectHeading(page, 'Set up two-step sign-in');
  assert.equal(await page.locator('.qr svg').count(), 1, 'the QR code is an inline SVG');
  const shown = (await page.locator('#totp-secret').textContent()).trim();
  const key = base32Decode(shown);
  assert.ok(key.length >= 16, `a secret of ${key.length} bytes`);
  await screenshots(page, 'totp-enrol');
  let used = currentStep();
  await page.fill('#code', hotp(key, used, kDigits));
  await submit(page, 'Turn on');
  await expectHeading(page, 'Your recovery codes');
  const codes = await page.locator('ul.codes code').allTextContents();
  assert.ok(codes.length >= 5, `${codes.length} recovery codes shown`);
  await screenshots(page, 'recovery-codes');
  await page.getByRole('link', { name: 'I have saved them' }).click();
  await page.waitForLoadState('load');
  assert.match(await page.locator('main').textContent(), /On\./, 'TOTP shows as on');

  // 5. Sign out, then in again with a TOTP code.
  await signOut(page);
  await screenshots(page, 'signed-out');
  await signIn(page, username, password1);
  await expectPath(page, '/login/totp');
  await screenshots(page, 'login-totp');
  let fresh = await freshCode(key, used);
  await page.fill('#code', fresh.code);
  await submit(page, 'Verify');
  await expectSignedInAs(page);
  used = fresh.step;
  log('signed in with a TOTP code');

  // 6. Forget the password; reset it through the mailed link.
  await signOut(page);
  await page.goto(`${base}/forgot`);
  await expectHeading(page, 'Forgot your password?');
  await page.fill('#email', email);
  await screenshots(page, 'forgot');
  await submit(page, 'Send the link');
  await expectPath(page, '/forgot?notice=reset_sent');
  await screenshots(page, 'forgot-sent');
  const reset = mailLink(email, '/reset', 1);
  log(`reset link ${reset.replace(/token=.*/, 'token=...')}`);
  await page.goto(base + reset);
  await page.fill('#password', password2);
  await page.fill('#confirm', password2);
  await screenshots(page, 'reset');
  await submit(page, 'Set the new password');
  await expectPath(page, '/login?notice=password_reset');
  await screenshots(page, 'reset-done');

  // The old password no longer works. The account has TOTP, so the code
  // is asked for all the same (the prompt says nothing about the password)
  // and one verdict comes after it.
  await signIn(page, username, password1);
  await expectPath(page, '/login/totp');
  await page.fill('#code', '000000');
  await submit(page, 'Verify');
  await expectPath(page, '/login?notice=bad_code');
  assert.match(await page.locator('p.notice').textContent(),
               /password or code is not correct/, 'the old password is refused');
  await screenshots(page, 'login-failed');

  // 7. Sign in with the new password; the reset kept TOTP on.
  await signIn(page, username, password2);
  await expectPath(page, '/login/totp');
  fresh = await freshCode(key, used);
  await page.fill('#code', fresh.code);
  await submit(page, 'Verify');
  await expectSignedInAs(page);
  await page.goto(`${base}/security`);
  await screenshots(page, 'security-after-reset');
  log('signed in with the new password and a TOTP code');
}

async function main() {
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

main().catch((err) => {
  process.stderr.write(`flow: ${err.stack || err}\n`);
  process.exit(1);
});
