const { test, expect } = require('@playwright/test');
const { demoUsers, demoUser, checkA11y, signIn } = require('./helpers');

test('the start page explains the platform, in Danish by default', async ({ page }) => {
  await page.goto('/');
  await expect(page.locator('html')).toHaveAttribute('lang', 'da');
  await expect(page.getByRole('heading', { level: 1 })).toContainText('sundhedsdata');
  await expect(page.getByRole('heading', { name: 'Datalandkort' })).toBeVisible();
  await checkA11y(page);
});

test('every demo user can sign in and sees their roles', async ({ page }) => {
  for (const user of demoUsers()) {
    await signIn(page, user);
    await expect(page).toHaveURL(/\/account$/);
    await expect(page.getByTestId('roles')).toContainText(`(${user.org})`);
    await checkA11y(page);
    await page.getByTestId('sign-out').click();
    await expect(page.getByTestId('sign-in-link')).toBeVisible();
  }
});

test('a wrong password is refused with a clear message', async ({ page }) => {
  await signIn(page, { ...demoUser('applicant'), password: 'not-the-password' });
  await expect(page.getByTestId('login-error')).toContainText('forkert');
  await checkA11y(page);
});

test('switch language, remembered after sign-in', async ({ page }) => {
  await page.goto('/');
  await page.getByTestId('lang-switch').click();
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Danish health data');
  await checkA11y(page);

  const user = demoUser('advisor');
  await signIn(page, user);
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await page.getByTestId('lang-switch').click();
  await expect(page.locator('html')).toHaveAttribute('lang', 'da');
  await page.getByTestId('sign-out').click();

  // A fresh browser profile: the account remembers Danish.
  await page.context().clearCookies();
  await signIn(page, user);
  await expect(page.locator('html')).toHaveAttribute('lang', 'da');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Min konto');
});

test('sign out ends the session', async ({ page }) => {
  await signIn(page, demoUser('case_handler'));
  await expect(page.getByTestId('user-name')).toBeVisible();
  await page.getByTestId('sign-out').click();
  await page.goto('/account');
  await expect(page).toHaveURL(/\/login\?next=%2Faccount/);
});

test('the operator manages organisations and users; the auditor reads the trail', async ({ page }) => {
  await signIn(page, demoUser('operator'));
  await page.goto('/operator');
  await checkA11y(page);
  await page.locator('#org-id').fill('aau');
  await page.locator('#org-kind').selectOption('university_hospital');
  await page.locator('#org-name-da').fill('Aalborg Universitet');
  await page.locator('#org-name-en').fill('Aalborg University');
  await page.getByRole('button', { name: 'Tilføj organisation' }).click();
  await expect(page.getByTestId('orgs')).toContainText('Aalborg Universitet');
  await page.getByTestId('sign-out').click();

  await signIn(page, demoUser('auditor'));
  await page.goto('/audit');
  await expect(page.getByTestId('chain-head')).toContainText('hændelser');
  await checkA11y(page);
  await page.getByTestId('verify-chain').click();
  await expect(page.getByTestId('chain-status')).toContainText('Kæden er intakt');
  await page.locator('#f-object').fill('organisation:aau');
  await page.getByRole('button', { name: 'Filtrér' }).click();
  await expect(page.getByTestId('audit-events')).toContainText('organisation.create');
  await expect(page.getByTestId('audit-events').locator('tbody tr')).toHaveCount(1);
});

test('an API token is shown once on the account page and works', async ({ page, request }) => {
  await signIn(page, demoUser('applicant'));
  await page.locator('#token-name').fill('e2e');
  await page.getByRole('button', { name: 'Opret nøgle' }).click();
  const token = (await page.getByTestId('new-token').textContent()).trim();
  expect(token).toMatch(/^ork_/);
  require('node:fs').appendFileSync(require('node:path').join(process.env.ORK_TEST_LOG_DIR || require('node:os').tmpdir() + '/orkestrator-test-logs', 'secrets.txt'), token + '\n');
  const me = await request.get('/api/v1/me', { headers: { Authorization: `Bearer ${token}` } });
  expect(me.status()).toBe(200);
  expect((await me.json()).authenticated_by).toBe('token');
  await page.goto('/account');
  await expect(page.getByTestId('new-token')).toHaveCount(0);
  await expect(page.getByTestId('tokens')).toContainText('e2e');
});

test('error pages explain themselves in the visitor language and are accessible', async ({ page }) => {
  const res = await page.goto('/no-such-page');
  expect(res.status()).toBe(404);
  await expect(page.getByTestId('error-message')).toContainText('findes ikke');
  await checkA11y(page);
  await signIn(page, demoUser('citizen'));
  const forbidden = await page.goto('/operator');
  expect(forbidden.status()).toBe(403);
  await expect(page.getByTestId('error-message')).toContainText('rolle');
  await checkA11y(page);
});
