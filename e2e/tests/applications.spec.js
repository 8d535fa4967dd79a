const { test, expect } = require('@playwright/test');
const { demoUsers, checkA11y, signIn } = require('./helpers');

const byEmail = (email) => demoUsers().find((u) => u.email === email);

test('the applicant follows every part of their applications, in Danish and English', async ({ page }) => {
  await signIn(page, byEmail('applicant@demofarma.demo.dk'));
  await page.getByRole('link', { name: 'Ansøgninger' }).click();
  await expect(page).toHaveURL(/\/applications$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Mine ansøgninger');
  const list = page.getByTestId('app-list');
  await expect(list.locator('tbody tr')).toHaveCount(4);
  await expect(list.getByRole('row', { name: /Tidlig opsporing af lungekræft/ })).toContainText('Bevilget');
  await expect(list.getByRole('row', { name: /kladde til næste projekt/ })).toContainText('Kladde');
  await checkA11y(page);

  // The rejected part waits on the applicant; the other authorities' parts show where they are.
  await list.getByRole('link', { name: 'Røntgen-AI: billeder fra 2010-2014' }).click();
  const parts = page.getByTestId('app-parts');
  await expect(parts.locator('tbody tr')).toHaveCount(6);
  await expect(parts.getByRole('row', { name: /Udtræk af journal/ })).toContainText('Afvist – venter på dig');
  await expect(parts.getByRole('row', { name: /fortegnelse/ })).toContainText('Godkendt');
  await expect(parts.getByRole('row', { name: /fortegnelse/ })).toContainText('Demofarma A/S');
  await checkA11y(page);

  await page.getByTestId('lang-switch').click();
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await expect(parts.getByRole('row', { name: /Extraction of patient-record/ })).toContainText('Rejected – waiting for you');
  await checkA11y(page);

  // The committee's question is answered here: the part goes back in review.
  await page.goto('/applications');
  await page.getByRole('link', { name: 'Røntgen-AI: ekstern validering' }).click();
  const waiting = page.locator('[data-testid^="app-waiting-"]');
  await expect(waiting).toContainText('pseudonymiseres');
  await checkA11y(page);
  await waiting.getByLabel('Your answer').fill('The images are pseudonymised by the region before they reach the platform.');
  await waiting.getByTestId('app-answer').click();
  await expect(page.getByTestId('app-parts').getByRole('row', { name: /Research ethics committee approval/ })).toContainText('In review');
  await expect(page.locator('[data-testid^="app-waiting-"]')).toHaveCount(0);

  // A draft lists what is still missing, in the user's language.
  await page.goto('/applications');
  await page.getByRole('link', { name: 'Røntgen-AI: kladde til næste projekt' }).click();
  await expect(page.getByTestId('app-errors')).toContainText('Project lead');
  await expect(page.getByTestId('app-errors')).toContainText('Required.');
  await checkA11y(page);
  await page.getByTestId('lang-switch').click();
  await expect(page.locator('html')).toHaveAttribute('lang', 'da');
  await expect(page.getByTestId('app-errors')).toContainText('Skal udfyldes.');
});

test('a case handler sees their authority\'s queue, earliest deadline first', async ({ page }) => {
  await signIn(page, byEmail('casehandler@vek-hovedstaden.demo.dk'));
  await page.getByRole('link', { name: 'Sagsbehandling' }).click();
  await expect(page).toHaveURL(/\/cases$/);
  const queue = page.getByTestId('cases-queue');
  // The committee's parts: the granted and the rejected applications' ethics approvals and the
  // one that asked the applicant for more (answered or not, depending on the tests before).
  await expect(queue.locator('tbody tr')).toHaveCount(3);
  await expect(queue.getByRole('row', { name: /ekstern validering/ })).toContainText(/Oplysninger efterspurgt|Under behandling/);
  await checkA11y(page);
  await page.getByLabel('Status').selectOption('approved');
  await page.getByRole('button', { name: 'Vis' }).click();
  await expect(queue.locator('tbody tr')).toHaveCount(2);
  await expect(queue).not.toContainText('ekstern validering');
  await checkA11y(page);
  await page.getByLabel('Status').selectOption('');
  await page.getByRole('button', { name: 'Vis' }).click();
  // The part shows the applicant's history across all authorities, with its permit.
  await queue.getByRole('link', { name: 'Røntgen-AI: ekstern validering' }).click();
  const history = page.getByTestId('case-history');
  await expect(history.getByRole('row', { name: /Tidlig opsporing af lungekræft/ })).toContainText('Gyldig');
  await expect(history.getByRole('row', { name: /billeder fra 2010-2014/ })).toContainText('Indsendt');
  await checkA11y(page);
});

test('a case handler reads exactly their step\'s answers and decides, in Danish and English', async ({ page }) => {
  await signIn(page, byEmail('casehandler@sds.demo.dk'));
  await page.goto('/cases');
  const queue = page.getByTestId('cases-queue');
  // The university's register study: the data access part, in review.
  await queue.getByRole('row', { name: /Metformin og hjertesvigt/ }).getByRole('link').first().click();
  await expect(page).toHaveURL(/\/cases\/app-/);
  const fields = page.getByTestId('case-fields');
  await expect(fields).toContainText('Formål');
  await expect(fields).toContainText('Udtræksbeskrivelse');
  await expect(fields).not.toContainText('Finansiering');
  // Purpose limitation was assessed by the university's own record of processing: reused.
  await expect(page.getByTestId('case-assessments')).toContainText('Allerede vurderet og genbrugt');
  await checkA11y(page);

  // A rejection without reasons is refused, and what was written stays.
  await page.getByLabel('Godkendt med vilkår').check();
  await page.getByLabel('Begrundelse').fill('Standardvilkår for Forskerservice.');
  await page.getByTestId('case-decide').click();
  await expect(page.getByTestId('case-error')).toBeVisible();
  await expect(page.getByLabel('Begrundelse')).toHaveValue('Standardvilkår for Forskerservice.');
  await expect(page.getByLabel('Godkendt med vilkår')).toBeChecked();
  await checkA11y(page);

  await page.getByTestId('lang-switch').click();
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await page.getByLabel('Approved with conditions').check();
  await page.getByLabel('Reasons').fill('Standard terms of Research Services.');
  await page.getByLabel('Conditions', { exact: true }).fill('Results are exported only through the airlock');
  await page.getByTestId('case-decide').click();
  await expect(page.getByTestId('case-state')).toContainText('Approved with conditions');
  await expect(page.getByTestId('case-decisions')).toContainText('Results are exported only through the airlock');
  await expect(page.getByTestId('case-decision')).toHaveCount(0);
  await checkA11y(page);
  await page.getByTestId('lang-switch').click();
  await expect(page.locator('html')).toHaveAttribute('lang', 'da');
});
