const { test, expect } = require('@playwright/test');
const { demoUsers, checkA11y, signIn } = require('./helpers');

const byEmail = (email) => demoUsers().find((u) => u.email === email);

const MANIFEST = `name = "Personer efter stadie"
tables = ["dlcr"]
outputs = ["stages.csv"]

[[steps]]
script = "stages.py"
`;

const SCRIPT = `import pandas as pd
d = pd.read_parquet("/data/dlcr.parquet")
print("persons", len(d))
d.groupby("stadie").size().rename("persons").to_csv("/output/stages.csv")
`;

test('a researcher submits a job, follows it to its end, sends its table to the airlock and opens the notebook', async ({ page }) => {
  // A job and a JupyterLab started in the sandbox: more than the default two minutes on a
  // loaded machine.
  test.setTimeout(300_000);
  await signIn(page, byEmail('applicant@demofarma.demo.dk'));
  await page.goto('/workspaces');
  await page.getByTestId('workspaces').getByRole('link', { name: /Tidlig opsporing af lungekræft/ }).click();
  const tables = page.getByTestId('workspace-tables');
  for (let i = 0; i < 120; i++) {
    if (await tables.getByText('dlcr', { exact: true }).count()) break;
    await page.waitForTimeout(500);
    await page.reload();
  }
  await page.getByTestId('open-jobs').click();
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Kørsler');
  await expect(page.getByTestId('job-software')).toContainText('pandas');
  await checkA11y(page);

  // A binary file named like a script is refused, with the reason, and the form kept.
  await page.getByLabel('Manifest (job.toml)').fill(MANIFEST);
  await page.setInputFiles('#scripts', { name: 'stages.py', mimeType: 'text/x-python', buffer: Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0]) });
  await page.getByTestId('job-submit').click();
  await expect(page.getByTestId('job-error')).toContainText('indholdet er ikke tekst');
  await expect(page.getByLabel('Manifest (job.toml)')).toHaveValue(MANIFEST);
  await checkA11y(page);

  // The job itself: queued, run in the sandbox, followed on its page until it has ended.
  await page.setInputFiles('#scripts', { name: 'stages.py', mimeType: 'text/x-python', buffer: Buffer.from(SCRIPT) });
  await page.getByTestId('job-submit').click();
  await expect(page).toHaveURL(/\/jobs\/job-/);
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Personer efter stadie');
  await checkA11y(page);
  await expect(page.getByTestId('job-state')).toHaveText('Gennemført', { timeout: 90_000 });
  await expect(page.getByTestId('job-log')).toContainText('persons');
  await expect(page.getByTestId('job-outputs')).toContainText('stages.csv');
  await checkA11y(page);

  // In English.
  await page.getByTestId('lang-switch').click();
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await expect(page.getByTestId('job-state')).toHaveText('Succeeded');
  await expect(page.getByText('The outputs stay in the workspace')).toBeVisible();
  await checkA11y(page);
  // Back to Danish: the language is the user's setting, and other journeys sign Bo in.
  await page.getByTestId('lang-switch').click();
  await expect(page.locator('html')).toHaveAttribute('lang', 'da');

  // The table to the airlock: a draft for a person's review.
  await page.getByTestId('to-airlock-stages.csv').getByRole('button').click();
  await expect(page).toHaveURL(/\/outputs\/out-/);
  await expect(page.getByTestId('output-state')).toHaveText('Kladde');
  await checkA11y(page);

  // The notebook: JupyterLab through the portal, a cell run on the workspace's data.
  await page.goBack();
  await page.getByRole('link', { name: /Alle kørsler i/ }).click();
  await page.getByTestId('open-notebook').click();
  await expect(page).toHaveURL(/\/notebook\/lab/);
  await page.getByText('Python 3 (ipykernel)').first().click({ timeout: 120_000 });
  // The new notebook's kernel started and idle before the cell is typed (a loaded machine
  // takes its time).
  await expect(page.locator('.jp-Notebook')).toBeVisible({ timeout: 120_000 });
  await expect(page.locator('.jp-Notebook-ExecutionIndicator[data-status="idle"], .jp-StatusBar-TextItem:has-text("Idle")').first()).toBeVisible({ timeout: 120_000 });
  const cell = page.locator('.jp-Notebook .jp-Cell .cm-content').first();
  await cell.click({ timeout: 60_000 });
  await page.keyboard.type('import pandas as pd; print("rows", len(pd.read_parquet("/data/dlcr.parquet")))');
  await expect(cell).toContainText('read_parquet');
  await page.keyboard.press('Shift+Enter');
  await expect(page.locator('.jp-OutputArea-output').first()).toContainText(/rows \d+/, { timeout: 120_000 });
});
