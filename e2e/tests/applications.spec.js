const { test, expect } = require('@playwright/test');
const { demoUsers, checkA11y, signIn } = require('./helpers');

const byEmail = (email) => demoUsers().find((u) => u.email === email);

// htmx swaps a redrawn form in, then wires up its new elements: wait for both.
async function settled(page) {
  await page.waitForFunction(() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added'));
  await page.waitForTimeout(50);
}

test('the applicant follows every part of their applications, in Danish and English', async ({ page }) => {
  await signIn(page, byEmail('applicant@demofarma.demo.dk'));
  await page.getByRole('link', { name: 'Ansøgninger' }).click();
  await expect(page).toHaveURL(/\/applications$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Mine ansøgninger');
  const list = page.getByTestId('app-list');
  await expect(list.locator('tbody tr')).toHaveCount(5);
  // The granted project and its amendment (a second region's images), in review.
  const lung = list.getByRole('row', { name: /Tidlig opsporing af lungekræft/ });
  await expect(lung).toHaveCount(2);
  await expect(lung.filter({ hasText: 'Bevilget' })).toHaveCount(1);
  await expect(lung.filter({ hasText: 'Indsendt' })).toHaveCount(1);
  await expect(list.getByRole('row', { name: /kladde til næste projekt/ })).toContainText('Kladde');
  await checkA11y(page);

  // The rejected part waits on the applicant; the other authorities' parts show where they are.
  await list.getByRole('link', { name: 'Røntgen-AI: billeder fra 2010-2014' }).click();
  const parts = page.getByTestId('app-parts');
  await expect(parts.locator('tbody tr')).toHaveCount(6);
  await expect(parts.getByRole('row', { name: /Udtræk af journal/ })).toContainText('Afvist – venter på dig');
  await expect(parts.getByRole('row', { name: /fortegnelse/ })).toContainText('Godkendt');
  await expect(parts.getByRole('row', { name: /fortegnelse/ })).toContainText('Demofarma A/S');
  // Each part's clock on a timeline, and each part's decisions and messages; the rejected
  // part's thread is open and holds the authority's reasons.
  await expect(page.getByTestId('app-timeline').locator('[data-testid="app-timeline-row"]')).toHaveCount(6);
  const rejectedThread = page.locator('details[data-testid^="app-thread-"][open]');
  await expect(rejectedThread).toHaveCount(1);
  await expect(rejectedThread).toContainText('Afvist');
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
  await expect(history.getByRole('row', { name: /Tidlig opsporing af lungekræft/ }).filter({ hasText: 'Gyldig' })).toHaveCount(1);
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

test('the applicant writes the form once: fields follow the answers, errors keep every answer, in English and Danish', async ({ page }) => {
  await signIn(page, byEmail('applicant@example-therapeutics.demo.dk'));
  // The case-2 company's plan: PACS images from a region, diagnoses and the cancer database.
  const traits = { image_data_reuse: 'yes', commercial_purpose: 'yes' };
  const query = ['kind=danish_company', 'region=hovedstaden',
    ...['pacs-hovedstaden', 'lpr', 'dlcr'].map((d) => `datasets=${d}`),
    ...['biological_material', 'genome_data_reuse', 'image_data_reuse', 'consent',
      'contact_with_participants', 'intervention', 'disclosure_outside_eu',
      'identifiable_publication', 'commercial_purpose'].map((t) => `${t}=${traits[t] || 'no'}`)];
  await page.goto(`/roadmap/plan?${query.join('&')}`);
  const title = `Røntgen-AI: skema ${Date.now()}`;
  // This company's user reads the portal in English.
  await page.getByLabel("The project's title").fill(title);
  await page.getByTestId('roadmap-apply-submit').click();
  await expect(page).toHaveURL(/\/applications\/app-[^/]+\/edit$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(title);
  await expect(page.getByLabel('Project title')).toHaveValue(title);
  await expect(page.getByTestId('form-steps')).toContainText('Research Ethics Committee, Capital Region');
  await checkA11y(page);

  // A logical skip: the data processors are asked for only when there are third parties.
  const processors = page.getByTestId('field-data_processors');
  await expect(processors).toHaveCount(0);
  await page.getByTestId('field-third_parties').getByLabel('Yes').check();
  await expect(processors).toBeVisible();
  await expect(page.getByTestId('field-data_processing_agreement')).toBeVisible();
  await checkA11y(page);
  await page.getByTestId('field-third_parties').getByLabel('No').check();
  await expect(processors).toHaveCount(0);

  // A file for the protocol is kept and listed as soon as it is chosen. The redrawn form
  // is wired up by htmx just after it is swapped in: choose the file once that is done, as
  // a person (who takes longer than those milliseconds) does — a change before it is lost.
  await settled(page);
  await page.getByTestId('field-protocol').getByLabel(/Attach a file/).setInputFiles({
    name: 'protokol.txt', mimeType: 'text/plain', buffer: Buffer.from('Protokol, version 1\n'),
  });
  await expect(page.getByTestId('files-protocol')).toContainText('protokol.txt');

  // Submitting with errors: every error listed, nothing submitted, every answer kept as typed.
  await page.getByLabel('Contact address for the case').fill('ikke-en-adresse');
  await page.getByTestId('form-submit').click();
  const errors = page.getByTestId('form-errors');
  await expect(errors).toBeVisible();
  await expect(errors).toContainText('Contact address for the case');
  await expect(errors).toContainText('Required.');
  await expect(page.getByLabel('Contact address for the case')).toHaveValue('ikke-en-adresse');
  await expect(page.getByTestId('field-contact_email')).toHaveClass(/form-error/);
  await expect(page.getByTestId('files-protocol')).toContainText('protokol.txt');
  await expect(page.getByTestId('field-third_parties').getByLabel('No')).toBeChecked();
  await checkA11y(page);
  // An error's link goes to its field.
  await errors.getByRole('link', { name: /Contact address for the case/ }).click();
  await expect(page.getByLabel('Contact address for the case')).toBeFocused();

  // In Danish the same answers, and the error about what was written (not yet the
  // "required" ones, which come back on the next save or submission).
  await page.getByTestId('lang-switch').click();
  await expect(page.locator('html')).toHaveAttribute('lang', 'da');
  await expect(page.getByLabel('Kontaktadresse for sagen')).toHaveValue('ikke-en-adresse');
  await expect(page.getByTestId('field-contact_email')).toContainText('er ikke en gyldig e-mailadresse');
  await page.getByTestId('field-third_parties').getByLabel('Ja').check();
  await expect(page.getByTestId('field-data_processors')).toBeVisible();
  await checkA11y(page);
  await page.getByTestId('form-save').click();
  await expect(page.getByTestId('form-errors')).toContainText('Skal udfyldes.');
  await expect(page.getByTestId('form-saved')).toContainText('Gemt');
  await checkA11y(page);
  await page.getByTestId('lang-switch').click();
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');

  // The application's page says it is a draft and leads back to the form.
  await page.goto('/applications');
  await page.getByRole('link', { name: title }).click();
  await expect(page.getByTestId('app-state')).toContainText('Draft');
  await page.getByTestId('app-edit').click();
  await expect(page.getByLabel('Contact address for the case')).toHaveValue('ikke-en-adresse');
});

test('the permit reads and prints as a document, in Danish and English', async ({ page }) => {
  await signIn(page, byEmail('applicant@demofarma.demo.dk'));
  await page.goto('/applications');
  const granted = page.getByTestId('app-list').getByRole('row', { name: /Tidlig opsporing af lungekræft/ }).filter({ hasText: 'Bevilget' });
  await granted.getByRole('link').first().click();
  await page.getByTestId('app-permit').click();
  await expect(page).toHaveURL(/\/permits\/prm-/);
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Tidlig opsporing af lungekræft');
  await expect(page.getByTestId('permit-status')).toContainText('Gyldig');
  await expect(page.getByTestId('permit-datasets').locator('tbody tr')).toHaveCount(3);
  await expect(page.getByTestId('permit-approvals')).toContainText('Videnskabsetisk');
  await expect(page.getByTestId('permit-conditions')).toContainText('Publikationer meldes til den dataansvarlige');
  await checkA11y(page);
  await page.getByTestId('lang-switch').click();
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await expect(page.getByTestId('permit-status')).toContainText('Valid');
  await expect(page.getByTestId('permit-approvals')).toContainText('Research ethics committee approval');
  await checkA11y(page);
  // Printed: the document without the page frame and buttons.
  await expect(page.getByTestId('permit-print')).toBeVisible();
  await page.emulateMedia({ media: 'print' });
  await expect(page.locator('header.header')).toBeHidden();
  await expect(page.getByTestId('permit-print')).toBeHidden();
  await expect(page.getByTestId('permit-approvals')).toBeVisible();
  await page.emulateMedia({ media: 'screen' });
  await page.getByTestId('lang-switch').click();
  await expect(page.locator('html')).toHaveAttribute('lang', 'da');
});

test('a case handler takes a part and writes to the applicant, in Danish and English', async ({ page }) => {
  await signIn(page, byEmail('casehandler@rkkp.demo.dk'));
  await page.goto('/cases');
  await page.getByTestId('cases-queue').getByRole('row', { name: /billeder fra 2010-2014/ }).getByRole('link').first().click();
  await expect(page.getByTestId('case-assignee')).toContainText('ingen endnu');
  await checkA11y(page);
  await page.getByTestId('case-assign').click();
  await expect(page.getByTestId('case-state')).toContainText('Under behandling');
  await expect(page.getByTestId('case-assign')).toHaveCount(0);
  await expect(page.getByTestId('case-assignee')).not.toContainText('ingen endnu');
  await page.getByTestId('lang-switch').click();
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await page.getByLabel('Message to the applicant').fill('We will deliver the extract in week 12.');
  await page.getByTestId('case-send').click();
  await expect(page.getByTestId('case-messages')).toContainText('We will deliver the extract in week 12.');
  await checkA11y(page);
  await page.getByTestId('lang-switch').click();
  await expect(page.locator('html')).toHaveAttribute('lang', 'da');
});
