const { test, expect } = require('@playwright/test');
const { demoUsers, checkA11y, signIn } = require('./helpers');

const byEmail = (email) => demoUsers().find((u) => u.email === email);
// Each person in a browser context of their own (their own cookies), closed after the test
// so no live stream outlasts it.
const contexts = [];
const person = async (browser) => {
  const context = await browser.newContext();
  contexts.push(context);
  return context.newPage();
};
test.afterEach(async () => {
  for (const c of contexts.splice(0)) await c.close();
});

test('a company asks, the advice desk refers to SDS, the expert answers live, and the answer becomes an article', async ({ browser }) => {
  // Anyone reads the knowledge base.
  const anon = await person(browser);
  await anon.goto('/kb?q=samfundsm%C3%A6ssig');
  await expect(anon.getByTestId('kb-hit-significant-societal-importance')).toBeVisible();
  await checkA11y(anon);
  await anon.getByTestId('kb-hit-significant-societal-importance').click();
  await expect(anon.getByTestId('kb-sources')).toContainText('seeds');
  await checkA11y(anon);

  // The company is on LPR's page, reads the articles linked there, and asks from it.
  const co = await person(browser);
  await signIn(co, byEmail('applicant@demofarma.demo.dk'));
  await co.goto('/catalog/sources/lpr');
  await expect(co.getByTestId('source-articles')).toBeVisible();
  await co.getByTestId('ask-link').click();
  await expect(co).toHaveURL(/\/ask\?page=\/catalog\/sources\/lpr$/);
  await checkA11y(co);
  await co.getByTestId('ask-subject').fill('Kan en virksomhed få adgang til LPR?');
  await co.getByTestId('ask-text').fill('Vi er en medicinalvirksomhed og vil lave et lægemiddelsikkerhedsstudie på LPR. Kan vi få adgang, og hos hvem?');
  await co.getByTestId('ask-check').click();
  // A matching article is suggested before sending; the company asks anyway.
  await expect(co.getByTestId('ask-suggestion-can-a-company-get-access')).toBeVisible();
  await checkA11y(co);
  await co.getByTestId('ask-consent').check();
  await co.getByTestId('ask-send').click();
  await expect(co).toHaveURL(/\/questions\/q-[a-z0-9]{12}$/);
  const url = new URL(co.url()).pathname;
  await expect(co.getByTestId('line-asker')).toContainText('lægemiddelsikkerhedsstudie');
  await checkA11y(co);

  // The first-level advisor sees it in the queue, with its context, and refers it to SDS
  // (proposed by the routing rules from the page it was asked from).
  const adv = await person(browser);
  await signIn(adv, byEmail('advisor@platform.demo.dk'));
  await adv.goto('/questions');
  await expect(adv.getByTestId('questions-list')).toContainText('Kan en virksomhed få adgang til LPR?');
  await checkA11y(adv);
  await adv.goto(url);
  await expect(adv.getByTestId('question-context')).toContainText('/catalog/sources/lpr');
  await expect(adv.getByTestId('question-authority')).toHaveValue('sds');
  await checkA11y(adv);
  await adv.getByTestId('question-refer-button').click();
  await expect(adv.getByTestId('question-notice')).toBeVisible();

  // The company's open page shows where the question went, and then the expert's answer,
  // without reloading.
  await expect(co.getByTestId('question-holder')).toContainText('Sundhedsdatastyrelsen', { timeout: 15_000 });
  const expert = await person(browser);
  await signIn(expert, byEmail('advisor@sds.demo.dk'));
  await expert.goto(url);
  await checkA11y(expert);
  const answer = 'Ja. Virksomheder kan få LPR-data til forskning af væsentlig samfundsmæssig betydning.';
  await expert.getByTestId('question-text').fill(answer);
  await expert.getByTestId('question-send').click();
  await expect(co.getByTestId('line-second_level')).toContainText(answer, { timeout: 15_000 });
  await expect(co.getByTestId('question-state')).toContainText(/Besvaret|Answered/);
  // After a reload the asker sees the whole thread: question, referral, answer.
  await co.reload();
  await expect(co.getByTestId('thread').locator('li')).toHaveCount(3);
  await checkA11y(co);
  // The company replies with its protocol attached; the expert can open it.
  await co.getByTestId('question-text').fill('Tak. Her er vores protokol.');
  await co.getByTestId('question-files').setInputFiles({ name: 'protokol.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.7\n% protokol\n') });
  await co.getByTestId('question-send').click();
  const attached = co.getByTestId('thread').locator('li').last().getByRole('link');
  await expect(attached).toHaveCount(1);
  const file = await expert.request.get(await attached.getAttribute('href'));
  expect(file.status()).toBe(200);
  expect((await file.body()).toString()).toContain('%PDF-1.7');

  // The answer becomes an article: the advisor drafts, another reviews and publishes.
  await adv.goto(url);
  await adv.getByTestId('question-draft').click();
  await expect(adv).toHaveURL(/\/kb\/drafts\/kan-en-virksomhed/);
  await checkA11y(adv);
  const draftUrl = new URL(adv.url()).pathname;
  const reviewer = await person(browser);
  await signIn(reviewer, byEmail('advisor2@platform.demo.dk'));
  await reviewer.goto(draftUrl);
  await reviewer.getByTestId('draft-title_en').fill('Can a company get access to LPR?');
  await reviewer.getByTestId('draft-summary_en').fill('Yes, for research of significant societal importance.');
  await reviewer.getByTestId('draft-body_en').fill('Yes. Companies can get LPR data for research of significant societal importance.');
  await reviewer.getByTestId('draft-save').click();
  await expect(reviewer.getByTestId('draft-notice')).toBeVisible();
  await reviewer.getByTestId('draft-publish').click();
  await expect(reviewer).toHaveURL(/\/kb\/kan-en-virksomhed/);
  await expect(reviewer.getByTestId('kb-title')).toHaveText('Can a company get access to LPR?');
  await checkA11y(reviewer);
});

test('script in questions and answers stays text, in the page and in the live stream', async ({ browser }) => {
  const co = await person(browser);
  await signIn(co, byEmail('applicant@demofarma.demo.dk'));
  await co.goto('/ask');
  const script = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">';
  await co.getByTestId('ask-subject').fill('Test <b>bold</b>');
  await co.getByTestId('ask-text').fill(script);
  await co.getByTestId('ask-check').click();
  await co.getByTestId('ask-send').click();
  await expect(co.getByTestId('line-asker')).toContainText('<script>window.__pwned = 1</script>');
  await expect(co.getByTestId('question-subject')).toHaveText('Test <b>bold</b>');
  const url = new URL(co.url()).pathname;
  // The advisor answers with script while the asker's page is open: it arrives live, inert.
  const adv = await person(browser);
  await signIn(adv, byEmail('advisor@platform.demo.dk'));
  await adv.goto(url);
  expect(await adv.evaluate(() => window.__pwned)).toBeUndefined();
  await adv.getByTestId('question-text').fill('Svar: <img src=y onerror="window.__pwned = 3">');
  await adv.getByTestId('question-send').click();
  await expect(co.getByTestId('line-first_level')).toContainText('<img src=y', { timeout: 15_000 });
  expect(await co.evaluate(() => window.__pwned)).toBeUndefined();
  expect(await co.locator('#thread img').count()).toBe(0);
  // Made into an article draft, the script is text in the form, and it cannot be published
  // until the reviewer writes it out.
  await adv.getByTestId('question-draft').click();
  await expect(adv.getByTestId('draft-form')).toBeVisible();
  expect(await adv.evaluate(() => window.__pwned)).toBeUndefined();
  const reviewer = await person(browser);
  await signIn(reviewer, byEmail('advisor2@platform.demo.dk'));
  await reviewer.goto(new URL(adv.url()).pathname);
  for (const f of ['title_da', 'title_en', 'summary_da', 'summary_en', 'body_da', 'body_en']) {
    const field = reviewer.getByTestId(`draft-${f}`);
    if ((await field.inputValue()) === '') await field.fill('Tekst uden markup.');
  }
  await reviewer.getByTestId('draft-save').click();
  await expect(reviewer.getByTestId('draft-error')).toContainText(/HTML/);
  await reviewer.getByTestId('draft-publish').click();
  await expect(reviewer.getByTestId('draft-error')).toBeVisible();
  expect(await reviewer.evaluate(() => window.__pwned)).toBeUndefined();
  await checkA11y(reviewer);
  await reviewer.getByTestId('draft-reject').click();
  await adv.goto(url);
  await adv.getByTestId('question-close').click();
});
