const { test, expect } = require('@playwright/test');
const { demoUsers, checkA11y, signIn, waitForTable } = require('./helpers');

const byEmail = (email) => demoUsers().find((u) => u.email === email);

const extra = [];
test.afterEach(async () => {
  while (extra.length) await extra.pop().close();
});

async function person(browser, email) {
  const context = await browser.newContext({ acceptDownloads: true });
  extra.push(context);
  const page = await context.newPage();
  await signIn(page, byEmail(email));
  return page;
}

// A 1×1 PNG: a figure for manual review.
const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c49444154789c63f80f00000101000518d84e0000000049454e44ae426082', 'hex');

test('a researcher builds a safe table and sends a figure, a checker reviews them, the project downloads what was approved', async ({ page, browser }) => {
  // The project's workspace, once RKKP's lung cancer database is delivered (automatically).
  await signIn(page, byEmail('applicant@demofarma.demo.dk'));
  await page.goto('/workspaces');
  await page.getByTestId('workspaces').getByRole('link', { name: /Tidlig opsporing af lungekræft/ }).click();
  await waitForTable(page, 'dlcr');
  await expect(page.getByRole('heading', { name: 'Output (sluse)' })).toBeVisible();
  await page.getByTestId('new-output').click();
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Nyt output');
  await checkA11y(page);

  // A query, then its columns to lay the table out by.
  await page.getByLabel('Forespørgsel').fill('SELECT histologi, stadie, fev1 FROM dlcr');
  await page.getByTestId('read-columns').click();
  await page.getByTestId('choose-rows').getByLabel(/histologi/).check();
  await page.getByTestId('choose-columns').getByLabel(/stadie/).check();
  await page.getByLabel('Titel', { exact: true }).first().fill('Histologi efter stadie');
  await checkA11y(page);
  await page.getByTestId('check-table').click();

  // The checks, cell by cell, before anything is requested.
  await expect(page).toHaveURL(/\/outputs\/out-/);
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Histologi efter stadie');
  await expect(page.getByTestId('output-state')).toHaveText('Kladde');
  const grid = page.getByTestId('checks-grid');
  await expect(grid.locator('thead')).toContainText('histologi');
  await expect(grid.locator('tbody tr').first()).toBeVisible();
  await checkA11y(page);
  if ((await page.getByTestId('output-status').textContent()).includes('Ikke bestået')) {
    // Failing cells: computed again with them suppressed (a new draft).
    await expect(page.getByTestId('findings')).toContainText('Mindste antal');
    await page.getByTestId('suppress').click();
    await expect(page.getByTestId('checks-grid')).toContainText('undertrykt');
    await expect(page.getByTestId('suppressed-note')).toContainText('totalerne er beregnet uden dem');
  }
  await page.getByLabel('Beskrivelse').fill('Antal patienter efter histologi og stadie; små celler er undertrykt.');
  await page.getByTestId('request').click();
  await expect(page.getByTestId('output-state')).toHaveText('Venter på kontrol');
  await expect(page.getByTestId('output-history')).toContainText('Bad om frigivelse');
  const tableUrl = page.url();

  // A figure for a person's review, in English this time.
  await page.getByTestId('lang-switch').click();
  await page.getByRole('link', { name: 'Back to the workspace' }).click();
  await page.getByTestId('new-output').click();
  await expect(page.getByRole('heading', { level: 1 })).toContainText('New output');
  const fileForm = page.getByTestId('file-output');
  await fileForm.getByLabel('Title').fill('Survival by stage');
  await fileForm.getByLabel('File').setInputFiles({ name: 'survival.pdf', mimeType: 'application/pdf', buffer: PNG });
  await page.getByTestId('file-submit').click();
  // Its bytes are a PNG, not a PDF: refused with the reason.
  await expect(page.getByTestId('file-error')).toContainText('is not what its name says');
  await checkA11y(page);
  await fileForm.getByLabel('Title').fill('Survival by stage');
  await fileForm.getByLabel('File').setInputFiles({ name: 'survival.png', mimeType: 'image/png', buffer: PNG });
  await page.getByTestId('file-submit').click();
  await expect(page.getByTestId('output-state')).toHaveText('Draft');
  await page.getByLabel('Description').fill('Kaplan-Meier curves by stage; at least 10 at risk at every step.');
  await page.getByTestId('request').click();
  await expect(page.getByTestId('output-state')).toHaveText('Awaiting a checker');
  await expect(page.getByTestId('review-form')).toHaveCount(0);
  await checkA11y(page);
  const figureUrl = page.url();
  // Back to Danish: the language is the user's setting, and other journeys sign Bo in.
  await page.getByTestId('lang-switch').click();
  await expect(page.locator('html')).toHaveAttribute('lang', 'da');

  // SDS's output checker: the queue, the table's verdicts and the researcher's description.
  const checker = await person(browser, 'outputchecker@sds.demo.dk');
  await checker.getByRole('link', { name: 'Output', exact: true }).click();
  await expect(checker.getByRole('heading', { level: 1 })).toHaveText('Output');
  await checker.getByLabel('Vis status').selectOption('requested');
  await checker.getByRole('button', { name: 'Vis status' }).click();
  await expect(checker.getByTestId('outputs')).toContainText('Histologi efter stadie');
  await expect(checker.getByTestId('outputs')).toContainText('kan kontrolleres af dig');
  await checkA11y(checker);
  await checker.goto(tableUrl);
  await expect(checker.getByTestId('checks-grid')).toBeVisible();
  await expect(checker.getByTestId('output-description')).toContainText('små celler er undertrykt');
  await expect(checker.getByTestId('earlier-none')).toBeVisible();
  await checkA11y(checker);
  await checker.getByLabel('Godkend frigivelsen').check();
  await checker.getByLabel('Begrundelse').fill('Alle viste celler har mindst det mindste antal.');
  await checker.getByTestId('decide').click();
  await expect(checker.getByTestId('output-state')).toHaveText('Godkendt');

  // The figure, in English: seen inline, with the earlier release beside it; a question.
  await checker.getByTestId('lang-switch').click();
  await checker.goto(figureUrl);
  await expect(checker.getByTestId('review-image')).toBeVisible();
  await expect(checker.getByTestId('earlier')).toContainText('Histologi efter stadie');
  await checkA11y(checker);
  await checker.getByLabel('Reject').check();
  await checker.getByTestId('decide').click();
  // A rejection needs a reason: said in the checker's language, nothing decided.
  await expect(checker.getByTestId('output-error')).toContainText('Write a reason');
  await checker.getByLabel('Ask the researcher').check();
  await checker.getByLabel('Reason').fill('How many are at risk at the last step?');
  await checker.getByTestId('decide').click();
  await expect(checker.getByTestId('output-state')).toHaveText('The checker asks');

  // The project downloads the approved table; the figure waits for an answer.
  await page.goto(tableUrl);
  await expect(page.getByTestId('output-state')).toHaveText('Godkendt');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download').click()]);
  expect(download.suggestedFilename()).toMatch(/\.csv$/);
  await page.goto(figureUrl);
  await expect(page.getByTestId('output-state')).toHaveText('Kontrollanten spørger');
  await expect(page.getByTestId('output-reason')).toContainText('at risk at the last step');
  await expect(page.getByTestId('download')).toHaveCount(0);
  await checkA11y(page);
});
