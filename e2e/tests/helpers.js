const fs = require('node:fs');
const path = require('node:path');
const { expect } = require('@playwright/test');
const AxeBuilder = require('@axe-core/playwright').default;

function demoUsers() {
  return JSON.parse(fs.readFileSync(path.join(__dirname, '..', '.demo-users.json'), 'utf8'));
}

function demoUser(role) {
  const u = demoUsers().find((x) => x.role === role);
  if (!u) throw new Error(`no demo user with role ${role}`);
  return u;
}

// Every page a test visits is checked against WCAG 2.1 A and AA: no serious or critical
// violation passes.
async function checkA11y(page) {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const summary = bad.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`);
  expect(summary, `accessibility of ${page.url()}`).toEqual([]);
}

// Signs in the way a person does after following a link to their account page.
async function signIn(page, user) {
  await page.goto('/login?next=%2Faccount');
  await checkA11y(page);
  await page.getByLabel(/E-mail/).fill(user.email);
  await page.getByLabel(/Adgangskode|Password/).fill(user.password);
  await page.getByTestId('sign-in-submit').click();
}

// On a workspace's page: waits, reloading, until the delivered table `name` is listed
// (delivery runs in the background; a minute at most).
async function waitForTable(page, name) {
  const tables = page.getByTestId('workspace-tables');
  for (let i = 0; i < 120; i++) {
    if (await tables.getByText(name, { exact: true }).count()) break;
    await page.waitForTimeout(500);
    await page.reload();
  }
  return tables;
}

module.exports = { demoUsers, demoUser, checkA11y, signIn, waitForTable };
