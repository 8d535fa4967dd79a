// End-to-end tests of the portal in Debian's Chromium (never a downloaded browser).
// global-setup.js prepares a demo platform with the debug binary and serves it.
const { defineConfig } = require('@playwright/test');

const port = process.env.ORK_E2E_PORT || '18080';

module.exports = defineConfig({
  testDir: './tests',
  // A whole journey (several sign-ins, each hashing a password, and axe on every state) in
  // a debug build on a shared two-core machine: twice as slow as a quiet run at times.
  timeout: 120_000,
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  globalSetup: require.resolve('./global-setup.js'),
  globalTeardown: require.resolve('./global-teardown.js'),
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    locale: 'da-DK',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      args: [
        '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--no-first-run',
      ],
    },
  },
});
