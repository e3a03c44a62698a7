'use strict';
// The portal in a real browser: Debian's headless Chromium driven by
// playwright-core. One new user goes through register -> activation link
// from the mail -> sign in -> TOTP enrolment -> sign out, sign in with a
// code -> forgot/reset through the mailed link -> sign in with the new
// password. Every major page is saved as a screenshot at 390x844 and
// 1280x800, and checked for horizontal overflow at 360 px (lib.js).
//
// Started by test_browser.py, which runs the portal and the SMTP server.
// Environment: lib.js's, and
//   LK_USERNAME        the user to register (unique per run)
// Exit status 0 when every step did what it should; a message and 1 if not.

const {
  assert, base, env, log, mailLink, base32Decode, hotp, currentStep,
  freshCode, screenshots, expectPath, expectHeading, submit, signIn, signOut,
  expectSignedInAs, run, kDigits,
} = require('./lib.js');

const username = env('LK_USERNAME');
const email = `${username}@example.org`;
const password1 = 'Correct horse battery staple 41';
const password2 = 'Ünïcode tulip lantern gravel 92';

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

run(flow).catch((err) => {
  process.stderr.write(`flow: ${err.stack || err}\n`);
  process.exit(1);
});
