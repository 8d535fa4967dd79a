const { test, expect } = require('@playwright/test');
const { demoUsers, checkA11y, signIn } = require('./helpers');

const byEmail = (email) => demoUsers().find((u) => u.email === email);

test('a party reads and signs an agreement; the permit waits for the rest', async ({ page }) => {
  // Example Therapeutics runs the statistics of a university's register study from the US:
  // a data processing agreement and a transfer agreement wait for its signature.
  await signIn(page, byEmail('applicant@example-therapeutics.demo.dk'));
  await page.goto('/agreements');
  const lang = await page.locator('html').getAttribute('lang');
  const list = page.getByTestId('agreements-list');
  await expect(list.locator('tbody tr')).toHaveCount(2);
  await checkA11y(page);
  await list.getByRole('link', { name: /Data processing agreement|Databehandleraftale/ }).click();
  await expect(page.getByTestId('agreement-text')).toContainText('Example Therapeutics Inc.');
  await expect(page.getByTestId('agreement-text')).toContainText('Metformin og hjertesvigt');
  const sha = await page.getByTestId('agreement-sha').innerText();
  expect(sha).toMatch(/^[0-9a-f]{64}$/);
  await checkA11y(page);
  await page.locator('#agreement-read').check();
  await page.getByTestId('agreement-sign-button').click();
  await expect(page.getByTestId('agreement-signatures')).toContainText('applicant@example-therapeutics.demo.dk');
  // One side signed: it still waits for the university's signature.
  await expect(page.getByTestId('agreement-state')).toContainText(/Awaiting signature|Mangler underskrift/);
  await expect(page.getByTestId('agreement-sign')).toHaveCount(0);
  await page.getByTestId('lang-switch').click();
  await checkA11y(page);
  // The language is remembered for the user: back to what other tests expect of them.
  await page.getByTestId('lang-switch').click();
  await expect(page.locator('html')).toHaveAttribute('lang', lang);
});

test('the applicant is told what happened, and the university sees its agreements', async ({ page }) => {
  await signIn(page, byEmail('applicant@ku.demo.dk'));
  await page.getByTestId('notifications-link').click();
  await expect(page).toHaveURL(/\/notifications$/);
  await expect(page.getByTestId('notes-list')).toContainText('Myndigheden har truffet en afgørelse');
  await checkA11y(page);
  await page.getByTestId('notes-read').click();
  await expect(page.getByTestId('notes-unread')).toContainText('0');
  await page.getByTestId('lang-switch').click();
  await expect(page.getByTestId('notes-list')).toContainText('The authority has made a decision');
  await checkA11y(page);
  // The study's page lists its agreements, the permit waiting for them.
  await page.getByTestId('notes-list').getByRole('link', { name: /Metformin/ }).first().click();
  await expect(page.getByTestId('app-agreements')).toContainText('Example Therapeutics Inc.');
  await checkA11y(page);
  await page.getByTestId('lang-switch').click();
  await expect(page.locator('html')).toHaveAttribute('lang', 'da');
});

test('a company authorises a consultancy and the operator sees the deliveries', async ({ page }) => {
  await signIn(page, byEmail('applicant@demofarma.demo.dk'));
  await page.goto('/clients');
  const list = page.getByTestId('clients-list');
  await expect(list).toContainText('Example Therapeutics');
  await checkA11y(page);
  await page.getByTestId('lang-switch').click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Consultancies and clients');
  await checkA11y(page);

  // The granted permit: a change is under way already (the demo's amendment), so the change
  // page says so and leads to it.
  await page.goto('/applications');
  await page.getByTestId('app-list').getByRole('row', { name: /Tidlig opsporing af lungekræft/ }).filter({ hasText: 'Granted' }).getByRole('link').first().click();
  await page.getByTestId('app-permit').click();
  await page.getByTestId('permit-amend').click();
  await expect(page.getByTestId('amend-under-way')).toBeVisible();
  await checkA11y(page);
  await page.getByTestId('lang-switch').click();
  await expect(page.locator('html')).toHaveAttribute('lang', 'da');
});

test('the operator sees every webhook and its delivery attempts', async ({ page }) => {
  await signIn(page, byEmail('operator@platform.demo.dk'));
  await page.goto('/operator');
  await page.getByTestId('operator-webhooks').click();
  await expect(page).toHaveURL(/\/operator\/webhooks$/);
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Webhooks');
  await checkA11y(page);
});
