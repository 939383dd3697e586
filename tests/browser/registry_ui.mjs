// Drives vouch-registry's web UI in Debian's chromium through
// playwright-core: apply, wait for the certification, sign in as admin,
// approve, look the server up and see it active, report abuse, suspend,
// and see it suspended. Screenshots of each step go to SHOT_DIR.
//
// Environment: BASE_URL, ADMIN_TOKEN, HOSTNAME_UNDER_TEST, SERVER_ADDR,
// SHOT_DIR, CHROMIUM (default /usr/bin/chromium).
import { chromium } from 'playwright-core';
import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const base = process.env.BASE_URL;
const token = process.env.ADMIN_TOKEN;
const host = process.env.HOSTNAME_UNDER_TEST;
const addr = process.env.SERVER_ADDR;
const shots = process.env.SHOT_DIR;
mkdirSync(shots, { recursive: true });
const profile = join(tmpdir(), `vouch-registry-chromium-${process.pid}`);

function check(cond, what) {
  if (!cond) throw new Error(`check failed: ${what}`);
  console.log(`ok - ${what}`);
}

// a fresh profile (--user-data-dir) through playwright's persistent context
const browser = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  viewport: { width: 1100, height: 900 },
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
let failed = false;
try {
  const page = browser.pages()[0] || await browser.newPage();
  let step = 0;
  const shot = async (name) => {
    step += 1;
    await page.screenshot({ path: join(shots, `${String(step).padStart(2, '0')}-${name}.png`),
      fullPage: true });
  };

  // 0. an empty application: every problem listed at once, required fields marked
  await page.goto(`${base}/apply`);
  check(await page.locator('label[for=hostname] .required').count() === 1,
    'required fields are marked');
  check(await page.locator('label[for=domain_age_note] .required').count() === 0,
    'optional fields are not');
  await page.selectOption('#owner_kind', 'business');
  await page.click('#apply-submit');
  const problems = await page.locator('#errors li').allTextContents();
  check(problems.length >= 8 && problems[0].startsWith('Server host name'),
    `form errors listed together (${problems.length})`);
  check(await page.getAttribute('#owner_email', 'aria-invalid') === 'true',
    'each bad field is marked');
  await shot('apply-errors');

  // 1. apply through the public form
  await page.goto(`${base}/apply`);
  await page.fill('#hostname', host);
  await page.fill('#addresses', addr);
  await page.selectOption('#class', 'business');
  await page.selectOption('#owner_kind', 'business');
  await page.fill('#owner_name', 'Browser Test GmbH <b>&co</b>');
  await page.fill('#owner_address', '1 Test Street, Testville');
  await page.fill('#owner_phone', '+49 30 1234567');
  await page.fill('#owner_email', 'owner@example.com');
  await page.fill('#business_number', 'HRB 4711');
  await page.fill('#admin_contact', 'postmaster@example.com');
  await shot('apply-form');
  await page.click('#apply-submit');
  const ownerToken = (await page.textContent('#owner-token')).trim();
  check(/^vr_\d+_[0-9a-f]{64}$/.test(ownerToken), 'application shows the owner token once');
  check((await page.textContent('#applied')).includes('certification tests are queued'),
    'certification queued on apply');
  await shot('applied');

  // 2. sign in as admin
  await page.goto(`${base}/admin`);
  check(page.url().endsWith('/admin/login'), 'admin pages ask to sign in');
  await page.fill('#token', token);
  await page.click('#login');
  check(page.url().endsWith('/admin'), 'signed in');
  check((await page.textContent('#applications')).includes(host), 'application is queued');

  // 3. the automatic run was held (a loopback address is not public):
  // an admin starts the tests, waits for the report, then approves
  await page.goto(`${base}/admin/servers/${host}`);
  for (let i = 0; i < 60; i += 1) {
    const cert = (await page.textContent('#cert-status')).trim();
    if (cert === 'review') break;
    await page.waitForTimeout(500);
    await page.reload();
  }
  check((await page.textContent('#cert-status')).trim() === 'review',
    'automatic certification held for review');
  await page.click('#certify');
  for (let i = 0; i < 60; i += 1) {
    const cert = (await page.textContent('#cert-status')).trim();
    if (cert === 'passed' || cert === 'failed') break;
    await page.waitForTimeout(500);
    await page.reload();
  }
  check((await page.textContent('#cert-status')).trim() === 'passed', 'certification passed');
  check((await page.textContent('.cert-summary')).includes('12/12 tests passed'),
    'test report is shown');
  check((await page.content()).includes('Browser Test GmbH &lt;b&gt;&amp;co&lt;/b&gt;'),
    'owner name is escaped');
  await shot('admin-certified');
  await page.click('#approve');
  check((await page.textContent('#status')).trim() === 'active', 'approved: active');
  await shot('admin-approved');

  // 4. the public lookup says active
  await page.goto(`${base}/`);
  await page.fill('#hostname', host);
  await page.click('#lookup');
  check((await page.textContent('#status')).trim() === 'active', 'lookup shows active');
  await shot('lookup-active');

  // 5. report abuse with a message the server handed on
  await page.goto(`${base}/report`);
  const spam = [
    `Received: from ${host} (${host} [${addr}])`,
    '\tby mx.victim.example (Postfix) with ESMTPS id VICTIM77',
    '\tfor <user@victim.example>; Mon, 23 Nov 2026 07:00:00 +0000',
    `Received: from bot.example (bot.example [198.51.100.9]) by ${host} with ESMTP id QUEUE1234;`,
    '\tMon, 23 Nov 2026 06:59:00 +0000',
    'From: spammer@example.org',
    'Subject: <script>alert(1)</script> cheap pills',
    '',
    'buy now',
  ].join('\r\n');
  await page.fill('#message', spam);
  await page.fill('#reporter', 'abuse@victim.example');
  await shot('report-form');
  await page.click('#report-submit');
  check((await page.textContent('#report-server')).trim() === host, 'report linked to the server');
  check((await page.textContent('#report-tracking')).trim() === 'QUEUE1234',
    "report found the server's queue id");
  const reportId = (await page.textContent('#report-id')).trim();
  await shot('reported');

  // 6. the admin sees the report and suspends the server
  await page.goto(`${base}/admin`);
  check((await page.textContent('#reports')).includes('QUEUE1234'), 'report is queued for review');
  await page.goto(`${base}/admin/reports/${reportId}`);
  check((await page.textContent('#message')).includes('<script>alert(1)</script>'),
    'reported message is shown as text');
  await page.fill('#reason-confirm', 'confirmed spam');
  await page.click('#confirm');
  check((await page.textContent('#report-status')).trim() === 'confirmed', 'report confirmed');
  await page.goto(`${base}/admin/servers/${host}`);
  await page.fill('#reason-suspend', 'confirmed abuse report');
  await page.click('#suspend');
  check((await page.textContent('#status')).trim() === 'suspended', 'suspended');
  check((await page.textContent('#bond')).includes('forfeited'), 'bond forfeited');
  check((await page.textContent('#history')).includes('confirmed abuse report'),
    'history shows why');
  await shot('admin-suspended');

  // 7. the public lookup says suspended
  await page.goto(`${base}/lookup?hostname=${encodeURIComponent(host)}`);
  check((await page.textContent('#status')).trim() === 'suspended', 'lookup shows suspended');
  await shot('lookup-suspended');

  // 8. sign out: the session ends on the server, the admin pages ask again
  await page.goto(`${base}/admin`);
  await page.click('#logout');
  await page.goto(`${base}/admin`);
  check(page.url().endsWith('/admin/login'), 'signed out');
  // 9. the owner signs in with the owner token and sees the server's page
  await page.goto(`${base}/owner`);
  check(page.url().endsWith('/owner/login'), 'owner pages ask to sign in');
  await page.fill('#token', ownerToken);
  await page.click('#login');
  check(page.url().endsWith('/owner'), 'owner signed in');
  check((await page.textContent('#status')).trim() === 'suspended', 'owner sees the status');
  check((await page.textContent('#status-help')).includes('reinstates'),
    'owner is told what to do');
  check((await page.textContent('#tests')).includes('relay_percent_hack'),
    'owner sees the tests');
  const reportsText = await page.textContent('#reports');
  check(reportsText.includes('QUEUE1234') && reportsText.includes('<script>alert(1)</script>'),
    'owner sees the report, its subject as text');
  check((await page.textContent('#history')).includes('certification requested'),
    'owner sees the history');
  await shot('owner-page');
  await page.click('#logout');
  await page.goto(`${base}/owner`);
  check(page.url().endsWith('/owner/login'), 'owner signed out');
  console.log(`${step} screenshots in ${shots}`);
} catch (e) {
  failed = true;
  console.error(e);
} finally {
  await browser.close();
  rmSync(profile, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
