const { test, expect } = require('@playwright/test');
const { demoUser, checkA11y, signIn } = require('./helpers');

test('search the catalogue in Danish, with facets and variable hits', async ({ page }) => {
  await page.goto('/');
  await page.getByRole('link', { name: 'Datalandkort' }).first().click();
  await expect(page).toHaveURL(/\/catalog$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Datalandkort');
  await checkA11y(page);
  // An empty search lists every source on the map.
  const count = page.getByTestId('catalog-count');
  await expect(count).toContainText(/^\d+ datakilder fundet/);
  expect(parseInt(await count.innerText(), 10)).toBeGreaterThanOrEqual(40);

  await page.getByTestId('catalog-q').fill('lungekræft');
  await page.getByTestId('catalog-submit').click();
  await expect(page.getByTestId('source-dlcr')).toBeVisible();
  await expect(page).toHaveURL(/q=lungekr/);
  await checkA11y(page);

  // A variable by its Danish name; then a facet narrows to one controller.
  await page.getByTestId('catalog-q').fill('aktionsdiagnose');
  await page.getByTestId('catalog-submit').click();
  await expect(page.getByTestId('variable-hits')).toContainText('c_adiag');
  await page.getByTestId('catalog-q').fill('');
  await page.getByLabel(/Region Hovedstaden/).check();
  await expect(page.getByTestId('source-epj-hovedstaden')).toBeVisible();
  await expect(page.getByTestId('source-lpr')).toHaveCount(0);
  await checkA11y(page);
});

test('search in English, with one typo', async ({ page }) => {
  await page.goto('/');
  await page.getByTestId('lang-switch').click();
  await page.goto('/catalog');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Data catalogue');
  await page.getByTestId('catalog-q').fill('lung cancr');
  await page.getByTestId('catalog-submit').click();
  await expect(page.getByTestId('source-dlcr')).toBeVisible();
  await expect(page.getByTestId('catalog-count')).toContainText('data sources found');
  await checkA11y(page);
});

test('a source page shows its coverage chart, access route and variables, in both languages', async ({ page }) => {
  await page.goto('/catalog/sources/lpr');
  await expect(page.getByTestId('source-name')).toHaveText('Landspatientregisteret (LPR)');
  const chart = page.getByTestId('coverage-chart');
  await expect(chart).toBeVisible();
  await expect(chart.locator('rect.ork-bar')).toHaveCount(10);
  await expect(page.getByTestId('access-route')).toContainText('Sundhedsdatastyrelsen');
  await expect(page.getByTestId('lead-time')).toContainText('44 arbejdsdage');
  await expect(page.getByTestId('variables-lpr_adm')).toContainText('c_adiag');
  await expect(page.getByTestId('source-records')).toContainText(/\d/);
  await checkA11y(page);
  await page.getByTestId('lang-switch').click();
  await expect(page.getByTestId('source-name')).toHaveText('Danish National Patient Register (LPR)');
  await expect(page.getByTestId('lead-time')).toContainText('44 working days');
  await expect(page.getByTestId('coverage-chart')).toContainText('Records per year');
  await checkA11y(page);
});

test('the basket survives signing out and in, and compares its sources', async ({ page }) => {
  const user = demoUser('applicant');
  await signIn(page, user);
  await page.goto('/catalog/sources/lmdb');
  await page.getByTestId('basket-add').click();
  await expect(page.getByTestId('basket-remove')).toBeVisible();
  await page.goto('/catalog/sources/dlcr');
  await page.getByTestId('basket-add').click();
  await page.getByTestId('sign-out').click();

  await page.context().clearCookies();
  await signIn(page, user);
  await page.goto('/catalog/basket');
  await expect(page.getByTestId('basket-lmdb')).toBeVisible();
  await expect(page.getByTestId('basket-dlcr')).toBeVisible();
  await checkA11y(page);
  await page.getByTestId('basket-compare').click();
  await expect(page.getByTestId('compare')).toContainText('Lægemiddelstatistikregisteret');
  await checkA11y(page);
  // Empty it again so the test can run twice.
  await page.goto('/catalog/basket');
  for (const id of ['lmdb', 'dlcr']) {
    await page.getByTestId(`basket-${id}`).getByRole('button').click();
  }
  await expect(page.getByTestId('basket-empty')).toBeVisible();
});

test('a steward edits their own source; others cannot', async ({ page }) => {
  await signIn(page, demoUser('data_steward'));
  const steward = demoUser('data_steward');
  const own = steward.org === 'sds' ? 'lpr' : 'bef';
  const other = steward.org === 'sds' ? 'bef' : 'lpr';
  await page.goto(`/catalog/sources/${other}`);
  await expect(page.getByTestId('edit-docs')).toHaveCount(0);
  await page.goto(`/catalog/sources/${own}`);
  await page.getByTestId('edit-docs').click();
  await checkA11y(page);
  const stamp = `Testnote ${Date.now()}`;
  await page.locator('#body_da').fill(`# Note\n\n${stamp} med <b>html</b>`);
  await page.locator('#note').fill('e2e');
  await page.getByTestId('edit-save').click();
  await expect(page.getByTestId('edit-error')).toContainText('HTML');
  await page.locator('#body_da').fill(`# Note\n\n${stamp}`);
  await page.getByTestId('edit-save').click();
  await expect(page.getByTestId('versions')).toContainText(stamp);
  await checkA11y(page);
  await page.goto(`/catalog/sources/${own}`);
  await expect(page.getByTestId('source-docs')).toContainText(stamp);
});
