const { test, expect } = require('@playwright/test');
const { demoUsers, checkA11y, signIn, waitForTable } = require('./helpers');

const byEmail = (email) => demoUsers().find((u) => u.email === email);

// Each journey signs in a second person in a context of its own; close it whatever happens.
const extra = [];
test.afterEach(async () => {
  while (extra.length) await extra.pop().close();
});

async function person(browser, email) {
  const context = await browser.newContext();
  extra.push(context);
  const page = await context.newPage();
  await signIn(page, byEmail(email));
  return page;
}

test('a steward signs off a data order and the project queries its workspace, in Danish and English', async ({ page, browser }) => {
  // SDS's steward sees the granted project's order for LPR with exactly its extract.
  const steward = await person(browser, 'steward@sds.demo.dk');
  await steward.getByRole('link', { name: 'Dataordrer' }).click();
  await expect(steward.getByRole('heading', { level: 1 })).toHaveText('Dataordrer');
  const order = steward.getByTestId('order').filter({ hasText: 'Tidlig opsporing af lungekræft' });
  await expect(order).toHaveCount(1);
  await expect(order.getByTestId('order-state')).toContainText('Afventer godkendelse');
  await expect(order).toContainText('lpr_a_diagnose');
  await checkA11y(steward);
  // A suspension needs a reason; the browser says so before anything is sent.
  await order.getByTestId('sign-off').click();
  await expect(steward).toHaveURL(/\/data-orders$/);
  await expect(order.getByTestId('order-state')).not.toContainText('Afventer godkendelse');
  await steward.getByTestId('lang-switch').click();
  await expect(steward.getByRole('heading', { level: 1 })).toHaveText('Data orders');
  await checkA11y(steward);

  // The applicant's workspace fills with LPR once it is delivered.
  await signIn(page, byEmail('applicant@demofarma.demo.dk'));
  await page.getByRole('link', { name: 'Analysemiljøer' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Dine analysemiljøer');
  await checkA11y(page);
  await page.getByTestId('workspaces').getByRole('link', { name: /Tidlig opsporing af lungekræft/ }).click();
  const tables = await waitForTable(page, 'lpr_adm');
  await expect(tables.getByText('lpr_adm', { exact: true })).toBeVisible();
  await expect(page.getByTestId('workspace-state')).toHaveText('Klar');
  await checkA11y(page);

  // A query: its result on screen, logged.
  await page.getByLabel('Forespørgsel').fill('SELECT c_pattype, count(*) AS n FROM lpr_adm GROUP BY c_pattype ORDER BY c_pattype');
  await page.getByTestId('run').click();
  await expect(page.getByTestId('result').locator('thead')).toContainText('c_pattype');
  await expect(page.getByTestId('result-count')).toContainText('Rækker:');
  await expect(page.getByTestId('query-log').locator('tbody tr').first()).toContainText('Besvaret');
  await checkA11y(page);
  // Paging through a long result.
  await page.getByLabel('Forespørgsel').fill('SELECT pnr, recnum, d_inddto FROM lpr_adm ORDER BY recnum');
  await page.getByTestId('run').click();
  await expect(page.getByTestId('result').locator('tbody tr')).toHaveCount(50);
  await page.getByTestId('next-page').click();
  await expect(page.getByTestId('result-count')).toContainText('Side 2');
  // Reaching for a file is refused with the reason, and logged as refused.
  await page.getByLabel('Forespørgsel').fill("SELECT * FROM '/etc/passwd'");
  await page.getByTestId('run').click();
  await expect(page.getByTestId('console-error')).toContainText('ikke er en tabel i dette analysemiljø');
  await expect(page.getByTestId('query-log').locator('tbody tr').first()).toContainText('Afvist');
  await checkA11y(page);

  // Own data: a bad CPR number is named by its row and nothing is kept; a good file is
  // pseudonymised into its own table.
  const csv = (rows) => ({ name: 'survey.csv', mimeType: 'text/csv', buffer: Buffer.from(`cpr;score\n${rows}`) });
  await page.getByLabel('Tabellens navn').fill('survey');
  await page.getByLabel('Fil', { exact: true }).setInputFiles(csv('010180-1234;3\n320180-1234;4\n'));
  await page.getByTestId('own-submit').click();
  await expect(page.getByTestId('own-error')).toContainText('1 CPR-numre er ugyldige');
  await checkA11y(page);
  await page.getByLabel('Tabellens navn').fill('survey');
  await page.getByLabel('Fil', { exact: true }).setInputFiles(csv('010180-1234;3\n020290-1111;4\n'));
  await page.getByTestId('own-submit').click();
  await expect(page.getByTestId('own-added')).toContainText('own_survey: 2 rækker');
  await expect(page).toHaveURL(/\/workspaces\/[^/]+\?own=own_survey/);
  await expect(page.getByTestId('workspace-tables').getByText('own_survey', { exact: true })).toBeVisible();
  await checkA11y(page);

  await page.getByTestId('lang-switch').click();
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Workspace');
  await page.getByLabel('Query').fill('SELECT count(*) AS admissions FROM lpr_adm');
  await page.getByTestId('run').click();
  await expect(page.getByTestId('result-count')).toContainText('Rows: 1');
  await expect(page.getByRole('heading', { name: 'Own data' })).toBeVisible();
  await checkA11y(page);
});
