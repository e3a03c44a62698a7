'use strict';
// The admin area in a real browser (lib.js runs Chromium). An admin without
// TOTP opens the admin area and is sent to enrol first; enrols; opens the
// overview; finds a user by searching a prefix of their name; deactivates
// them (the first change asks for password and code), after which their
// sign-in fails; reactivates them, after which it works again; and unlocks
// a locked account from the overview. Screenshots of every admin page at
// 390x844 and 1280x800 (prefix "admin-"), each checked at 360 px.
//
// Started by test_browser.py, which makes the accounts. Environment:
// lib.js's, and
//   LK_ADMIN, LK_ADMIN_PASSWORD    an admin without TOTP yet
//   LK_TARGET, LK_TARGET_PASSWORD  an active user, full name "Zelda Target"
//   LK_LOCKED                      a user under an admin lock

const {
  assert, base, env, log, base32Decode, hotp, currentStep, freshCode,
  screenshots, expectPath, expectHeading, submit, signIn, run, kDigits,
} = require('./lib.js');

const admin = env('LK_ADMIN');
const adminPassword = env('LK_ADMIN_PASSWORD');
const target = env('LK_TARGET');
const targetPassword = env('LK_TARGET_PASSWORD');
const locked = env('LK_LOCKED');

// Whether `login` can sign in with `password`, asked outside the browser
// (plain HTTP with its own cookies), so the admin's session stays as it is.
async function canSignIn(login, password) {
  const first = await fetch(`${base}/login`);
  const cookies = (first.headers.getSetCookie ? first.headers.getSetCookie() : [])
    .map((c) => c.split(';')[0]).join('; ');
  const html = await first.text();
  const csrf = /name="csrf" value="([^"]+)"/.exec(html)[1];
  const answer = await fetch(`${base}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: cookies },
    body: new URLSearchParams({ csrf, login, password }).toString(),
  });
  return answer.status === 303 && answer.headers.get('location') === '/profile';
}

async function flow(page) {
  // 1. An admin without TOTP: the admin area sends them to enrol.
  await signIn(page, admin, adminPassword);
  await expectPath(page, '/profile');
  await page.locator('header.site nav').getByRole('link', { name: 'Admin' }).click();
  await page.waitForLoadState('load');
  await expectHeading(page, 'Set up two-step sign-in first');
  await screenshots(page, 'enrol-first');
  await page.getByRole('link', { name: 'Go to the Security page' }).click();
  await page.waitForLoadState('load');
  await expectHeading(page, 'Security');

  // 2. Enrol TOTP.
  await submit(page, 'Set up two-step sign-in');
  const key = base32Decode((await page.locator('#totp-secret').textContent()).trim());
  let used = currentStep();
  await page.fill('#code', hotp(key, used, kDigits));
  await submit(page, 'Turn on');
  await expectHeading(page, 'Your recovery codes');
  await page.getByRole('link', { name: 'I have saved them' }).click();
  await page.waitForLoadState('load');

  // 3. The overview.
  await page.goto(`${base}/admin`);
  await expectPath(page, '/admin');
  assert.ok(await page.locator('main svg').count() >= 2, 'the charts are inline SVG');
  await screenshots(page, 'overview');

  // 4. Find the target by a prefix of their full name, any case.
  await page.locator('nav.admin-nav').getByRole('link', { name: 'Users' }).click();
  await page.waitForLoadState('load');
  await screenshots(page, 'users');
  await page.fill('#q', 'zELDA');
  await submit(page, 'Search');
  const row = page.locator('main table tbody tr', { hasText: target });
  assert.equal(await row.count(), 1, `one row for ${target}`);
  await screenshots(page, 'users-search');
  await row.getByRole('link', { name: target }).click();
  await page.waitForLoadState('load');
  assert.match(new URL(page.url()).pathname, /^\/admin\/users\/\d+$/);
  const detail = new URL(page.url()).pathname;
  await screenshots(page, 'user');

  // 5. Deactivate: the first change asks for password and code, then sends
  // the admin back to the user's page to repeat it.
  await submit(page, 'Deactivate');
  await expectHeading(page, 'Confirm it is you');
  await screenshots(page, 'reauth');
  await page.fill('#password', adminPassword);
  const fresh = await freshCode(key, used);
  used = fresh.step;
  await page.fill('#code', fresh.code);
  await submit(page, 'Confirm');
  await expectPath(page, `${detail}?notice=admin_reauth_ok`);
  await submit(page, 'Deactivate');
  await page.waitForLoadState('load');
  assert.equal(new URL(page.url()).pathname, detail);
  assert.ok(await page.locator('p.notice').isVisible(), 'a notice says it is done');
  await screenshots(page, 'user-deactivated');
  assert.equal(await canSignIn(target, targetPassword), false,
               'a deactivated user cannot sign in');
  log(`${target} deactivated; their sign-in fails`);

  // 6. Reactivate: within the window, no second confirmation.
  await submit(page, 'Activate');
  await page.waitForLoadState('load');
  assert.equal(new URL(page.url()).pathname, detail);
  assert.equal(await canSignIn(target, targetPassword), true,
               'a reactivated user can sign in');
  log(`${target} reactivated; their sign-in works`);

  // 7. Unlock the locked account from the overview.
  await page.goto(`${base}/admin`);
  const lockedRow = page.locator('main', { hasText: locked }).locator('li, tr', { hasText: locked }).first();
  assert.ok(await lockedRow.isVisible(), `${locked} is listed as locked`);
  await submit(page, 'Unlock', lockedRow);
  await page.waitForLoadState('load');
  assert.ok(await page.locator('p.notice').isVisible(), 'a notice says it is done');
  assert.equal(await page.locator('main li, main tr', { hasText: locked }).count(), 0,
               `${locked} is no longer listed as locked`);
  await screenshots(page, 'overview-unlocked');
  log(`${locked} unlocked from the overview`);
}

run(flow).catch((err) => {
  process.stderr.write(`admin flow: ${err.stack || err}\n`);
  process.exit(1);
});
