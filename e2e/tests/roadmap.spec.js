const { test, expect } = require('@playwright/test');
const { demoUser, checkA11y, signIn } = require('./helpers');

const TRAITS = ['biological_material', 'genome_data_reuse', 'image_data_reuse', 'consent',
  'contact_with_participants', 'intervention', 'disclosure_outside_eu',
  'identifiable_publication', 'commercial_purpose'];

test('from the basket to a printable roadmap (case 2), with what-if, in Danish and English', async ({ page }) => {
  await signIn(page, demoUser('advisor'));
  for (const id of ['pacs-hovedstaden', 'lpr', 'dlcr']) {
    await page.goto(`/catalog/sources/${id}`);
    await page.getByTestId('basket-add').click();
    await expect(page.getByTestId('basket-remove')).toBeVisible();
  }
  await page.goto('/catalog/basket');
  await page.getByTestId('basket-roadmap').click();
  await expect(page).toHaveURL(/\/roadmap$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Planlæg dine godkendelser');
  for (const id of ['pacs-hovedstaden', 'lpr', 'dlcr']) {
    await expect(page.locator(`#ds-${id}`)).toBeChecked();
  }
  await checkA11y(page);

  // Nothing answered: every question is listed, and the form keeps what was chosen.
  await page.getByLabel('Dansk virksomhed').check();
  await page.getByTestId('roadmap-submit').click();
  const errors = page.getByTestId('roadmap-errors');
  await expect(errors).toBeVisible();
  await expect(errors.getByRole('link')).toHaveCount(TRAITS.length);
  await expect(page.getByLabel('Dansk virksomhed')).toBeChecked();
  await checkA11y(page);

  await page.getByLabel('Ansøgers region').selectOption('hovedstaden');
  for (const t of TRAITS) {
    const yes = t === 'image_data_reuse' || t === 'commercial_purpose';
    await page.locator(`#trait-${t}-${yes ? 'yes' : 'no'}`).check();
  }
  await page.getByTestId('roadmap-submit').click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Din køreplan');
  const steps = ['record_of_processing', 'ethics_approval', 'region_data_extraction:hovedstaden',
    'rkkp_data_access', 'sds_environment_authorisation', 'sds_data_access:sds'];
  await expect(page.getByTestId('roadmap-steps').locator(':scope > li')).toHaveCount(steps.length);
  for (const s of steps) {
    await expect(page.getByTestId(`why-${s}`)).toContainText(`Regel ${s.split(':')[0]}:`);
  }
  const timeline = page.getByTestId('roadmap-timeline');
  await expect(timeline.locator('svg[role="img"] rect')).toHaveCount(steps.length);
  await expect(timeline.locator('rect.ork-gantt-crit').first()).toBeVisible();
  await expect(page.getByTestId('total-median')).toContainText(/\d+ dage/);
  await expect(page.getByTestId('expected-ethics_approval')).toContainText('afgjorte sager');
  await checkA11y(page);

  // Printing shows the roadmap without the page frame and buttons.
  await expect(page.getByTestId('roadmap-print')).toBeVisible();
  await page.emulateMedia({ media: 'print' });
  await expect(page.locator('header.header')).toBeHidden();
  await expect(page.getByTestId('roadmap-print')).toBeHidden();
  await expect(timeline).toBeVisible();
  await page.emulateMedia({ media: 'screen' });

  // The same roadmap in English: the language switch keeps the answers.
  await page.getByTestId('lang-switch').click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Your roadmap');
  await expect(page.getByTestId('why-ethics_approval')).toContainText('Rule ethics_approval:');
  await checkA11y(page);

  // What if the images were not reused? The ethics step goes, § 46 takes its place.
  const row = page.getByTestId('roadmap-what-if').getByRole('row').filter({ hasText: 'image data' });
  await expect(row).toContainText('Research ethics committee approval');
  await row.getByRole('link').click();
  await expect(page.getByTestId('step-patient_record_approval:hovedstaden')).toBeVisible();
  await expect(page.getByTestId('step-ethics_approval')).toHaveCount(0);
  await checkA11y(page);

  // Change the answers: back to the form, answers kept.
  await page.getByTestId('roadmap-change').click();
  await expect(page.locator('#trait-image_data_reuse-no')).toBeChecked();
  await expect(page.locator('#ds-dlcr')).toBeChecked();

  // Empty the basket so the test can run twice.
  await page.goto('/catalog/basket');
  for (const id of ['pacs-hovedstaden', 'lpr', 'dlcr']) {
    await page.getByTestId(`basket-${id}`).getByRole('button').click();
  }
  await expect(page.getByTestId('basket-empty')).toBeVisible();
  await page.getByTestId('lang-switch').click();
});

test('the rulebook, its versions and the precedent register', async ({ page }) => {
  await page.goto('/');
  await page.getByRole('link', { name: 'Regelbog' }).first().click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Regelbogen');
  await expect(page.getByTestId('rulebook-version')).toContainText('2026.1');
  await checkA11y(page);
  await page.getByTestId('rulebook-steps').locator('#rule-patient_record_approval').getByRole('link').click();
  await expect(page).toHaveURL(/rule=patient_record_approval/);
  const list = page.getByTestId('precedents');
  await expect(list.locator(':scope > li').first()).toBeVisible();
  await expect(list).toContainText('illustrativt eksempel');
  await checkA11y(page);
  await page.getByTestId('precedents-q').fill('kræft');
  await page.locator('#rule').selectOption('');
  await page.getByRole('button', { name: 'Søg' }).click();
  await expect(page).toHaveURL(/q=kr/);
  await expect(list.locator(':scope > li').first()).toBeVisible();
  await page.goto('/rulebook/changes');
  await expect(page.getByTestId('rulebook-only-one')).toBeVisible();
  await checkA11y(page);
});
