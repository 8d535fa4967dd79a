const fs = require('node:fs');
const path = require('node:path');
const { test, expect } = require('@playwright/test');
const { demoUser, checkA11y, signIn } = require('./helpers');

// The documented example of docs/cohort-language.md (the doctor's question of the seeds).
function documentedExample() {
  const doc = fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'cohort-language.md'), 'utf8');
  return JSON.parse(doc.split('```json')[1].split('```')[0]);
}

// The index is built in the background when the server starts: wait until quick tests answer.
async function countWhenReady(page) {
  for (let i = 0; i < 60; i++) {
    const res = page.waitForResponse((r) => r.url().endsWith('/quicktests') && r.request().method() === 'POST');
    await page.getByTestId('qt-count').click();
    const r = await res;
    await settled(page);
    if (r.status() !== 503) return r;
    await page.waitForTimeout(500);
  }
  throw new Error('quick tests did not become available');
}

// htmx swaps the builder in, then wires up its new elements: wait for both before the next
// step, or a change made in between would find no listener.
async function settled(page) {
  await page.waitForFunction(() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added'));
  await page.waitForTimeout(50);
}

async function addRow(page, n, kind) {
  await page.getByTestId('qt-add').click();
  await expect(page.getByTestId(`qt-row-${n}`)).toBeVisible();
  await settled(page);
  if (kind !== 'diagnosis') {
    await page.getByTestId(`qt-kind-${n}`).selectOption(kind);
    // The row comes back with the fields of its kind.
    await expect(page.getByTestId(`qt-row-${n}`).locator(`option[value="${kind}"][selected]`)).toHaveCount(1);
    await settled(page);
  }
}

test('the cohort builder builds the documented example, counts it and draws its charts', async ({ page }) => {
  await signIn(page, demoUser('applicant'));
  await page.goto('/quicktests');
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Hurtige tests');
  await checkA11y(page);

  // A criterion without codes is refused, naming the criterion, and nothing is lost.
  await page.getByLabel('Alder fra (år)').fill('40');
  await page.getByTestId('qt-count').click();
  await expect(page.getByTestId('qt-errors')).toContainText('Kriterium 1');
  await expect(page.getByLabel('Alder fra (år)')).toHaveValue('40');
  await settled(page);
  await checkA11y(page);

  // Population: women 40-60 alive on 1 January 2020 in the Capital Region.
  await page.getByLabel('I live og bosat på dato').fill('2020-01-01');
  await page.getByLabel('Alder til (år)').fill('60');
  await page.locator('#sex').selectOption('F');
  await page.getByLabel('Region Hovedstaden').check();

  // 1: type 2 diabetes as main or secondary diagnosis 2015-2020.
  const r0 = page.getByTestId('qt-row-0');
  await r0.getByLabel('Koder').fill('E11');
  await r0.getByLabel('Aktionsdiagnose (A)').check();
  await r0.getByLabel('Bidiagnose (B)').check();
  await r0.getByLabel('Fra dato').fill('2015-01-01');
  await r0.getByLabel('Til dato').fill('2020-12-31');

  // 2: skin cancer in the Cancer Register or as a diagnosis.
  await addRow(page, 1, 'any');
  const r1 = page.getByTestId('qt-row-1');
  await page.getByTestId('qt-sub-1-0').getByLabel('Slags').selectOption('cancer');
  await page.getByTestId('qt-sub-1-0').getByLabel('Koder').fill('C43 C44');
  await page.getByTestId('qt-addsub-1').click();
  await expect(page.getByTestId('qt-sub-1-1')).toBeVisible();
  await settled(page);
  await page.getByTestId('qt-sub-1-1').getByLabel('Koder').fill('C43 C44');

  // 3: at least two dispensings of blood-pressure drugs.
  await addRow(page, 2, 'prescription');
  const r2 = page.getByTestId('qt-row-2');
  await r2.getByLabel('Koder').fill('C09 C08 C07 C03');
  await r2.getByLabel('Mindst antal gange').fill('2');

  // 4: knee surgery from 2018.
  await addRow(page, 3, 'procedure');
  const r3 = page.getByTestId('qt-row-3');
  await r3.getByLabel('Koder').fill('KNG');
  await r3.getByLabel('Fra dato').fill('2018-01-01');

  // 5: not dead before 2020.
  await addRow(page, 4, 'death');
  const r4 = page.getByTestId('qt-row-4');
  await r4.getByLabel(/^Ikke/).check();
  await r4.getByLabel('Til dato').fill('2020-01-01');

  // 6: diabetes, then metformin within a year.
  await addRow(page, 5, 'sequence');
  const r5 = page.getByTestId('qt-row-5');
  await r5.getByLabel('Først').selectOption('diagnosis');
  await r5.getByLabel('Koder').first().fill('E11');
  await r5.getByLabel('Derefter').selectOption('prescription');
  await r5.getByLabel('Koder').nth(1).fill('A10BA');
  await r5.getByLabel('Mindst dage efter').fill('0');
  await r5.getByLabel('Højst dage efter').fill('365');

  await page.locator('#bd-region').check();
  await expect(page.locator('#bd-sex')).toBeChecked();
  await expect(page.locator('#bd-age_band')).toBeChecked();
  await expect(r1).toBeVisible();

  // Counted: a protected count, a table of cells and the charts.
  const res = await countWhenReady(page);
  expect(res.status()).toBe(200);
  const result = page.getByTestId('qt-result');
  await expect(result).toBeVisible();
  await expect(page.getByTestId('qt-count-value')).toHaveText(/^(\d+ personer|Skjult: færre end \d+)$/);
  await expect(result.getByTestId('qt-pyramid')).toBeVisible();
  await expect(result.getByTestId('qt-regions')).toBeVisible();
  await expect(result).toContainText('Pris: DKK');
  // The form made exactly the documented definition.
  const made = JSON.parse(await page.getByTestId('qt-json').textContent());
  expect(made).toEqual(documentedExample());
  await checkA11y(page);

  // Saved under a stable id; opened again, the builder shows it as it was.
  await page.getByLabel('Navn').fill('Lægens spørgsmål');
  await page.getByTestId('qt-save').click();
  const saved = page.getByTestId('qt-saved');
  await expect(saved).toContainText('Lægens spørgsmål');
  const id = (await saved.locator('code').textContent()).trim();
  expect(id).toMatch(/^coh-[a-z0-9]{12}$/);
  await page.goto(`/quicktests?cohort=${id}`);
  await expect(page.getByTestId('qt-row-5')).toBeVisible();
  await expect(page.getByTestId('qt-row-2').getByLabel('Koder')).toHaveValue('C09 C08 C07 C03');
  expect(JSON.parse(await page.getByTestId('qt-json').textContent())).toEqual(documentedExample());
  await checkA11y(page);
});

test('a broad cohort shows numbers in its pyramid, and the statement lists every quick test', async ({ page }) => {
  await signIn(page, demoUser('applicant'));
  await page.goto('/quicktests');
  await page.getByTestId('qt-row-0').getByLabel('Koder').fill('I10');
  await countWhenReady(page);
  await expect(page.getByTestId('qt-count-value')).toHaveText(/^\d+ personer$/);
  const pyramid = page.getByTestId('qt-pyramid');
  await expect(pyramid).toBeVisible();
  await expect(pyramid.locator('rect').first()).toBeVisible();
  await expect(page.getByTestId('qt-cells').locator('tbody tr').first()).toBeVisible();

  await page.goto('/quicktests/statement');
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Månedsopgørelse');
  const rows = page.getByTestId('qt-statement').locator('tbody tr');
  expect(await rows.count()).toBeGreaterThanOrEqual(2);
  await expect(page.getByTestId('qt-total')).toContainText('DKK');
  await checkA11y(page);
  const csv = await page.request.get(await page.getByTestId('qt-csv').getAttribute('href'));
  expect(csv.status()).toBe(200);
  expect(await csv.text()).toContain('total_incl_vat');

  // In English the builder speaks English.
  await page.goto('/quicktests');
  await page.getByTestId('lang-switch').click();
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Quick tests');
  await expect(page.getByTestId('qt-row-0').getByLabel('Codes')).toBeVisible();
  await checkA11y(page);
  await page.getByTestId('lang-switch').click();
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Hurtige tests');
});

test('the code fields search the full code lists as one types', async ({ page }) => {
  await signIn(page, demoUser('applicant'));
  await page.goto('/quicktests');
  // Multiple sclerosis is not in the list of common codes the page carries: typing finds it.
  const codes = page.getByTestId('qt-row-0').getByLabel('Koder');
  await codes.pressSequentially('sklerose', { delay: 20 });
  await expect(page.locator('datalist option[value="G35"]')).toHaveCount(1);
  await expect(codes).toHaveAttribute('list', /-found$/);
  // After htmx swaps the builder in anew, the new fields search too.
  await page.getByTestId('qt-add').click();
  await settled(page);
  const second = page.getByTestId('qt-row-1').getByLabel('Koder');
  await second.pressSequentially('G35', { delay: 20 });
  await expect(page.locator('datalist[id$="-found"] option[value="G35"]').first()).toBeAttached();
  await expect(second).toHaveAttribute('list', /-found$/);
});
