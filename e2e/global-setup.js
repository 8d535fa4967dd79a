// Prepares a fresh demo platform with the real binary (`orkestrator demo --no-serve`),
// keeps the printed demo passwords for the tests, and serves the portal.
const { execFileSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');

function binary() {
  if (process.env.ORK_BIN) return process.env.ORK_BIN;
  const target = process.env.CARGO_TARGET_DIR || path.join(root, 'target');
  return path.join(target, 'debug', 'orkestrator');
}

async function waitForHealth(url, deadline) {
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch (_) { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the server did not answer ${url} in time`);
}

function portIsFree(port) {
  return new Promise((resolve) => {
    const probe = require('node:net').createServer();
    probe.once('error', () => resolve(false));
    probe.listen(Number(port), '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

module.exports = async () => {
  const port = process.env.ORK_E2E_PORT || '18080';
  if (!(await portIsFree(port))) {
    throw new Error(`port ${port} is taken: stop what listens there or set ORK_E2E_PORT to a free port`);
  }
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ork-e2e-'));
  // Jobs run as an unprivileged user, who must pass through the folders above its own.
  fs.chmodSync(dataDir, 0o711);
  const logDir = process.env.ORK_TEST_LOG_DIR || path.join(os.tmpdir(), 'orkestrator-test-logs');
  fs.mkdirSync(logDir, { recursive: true });
  const env = { ...process.env, ORK_DATA_DIR: dataDir, ORK_ASSETS_DIR: path.join(root, 'web', 'dist'), ORK_LOG: 'debug,sqlx=warn,hyper=info', ORK_LOG_FORMAT: 'json',
    // Every journey signs in from 127.0.0.1; the per-account limit stays as in production.
    ORK_LOGIN_ATTEMPTS_PER_ADDRESS: '10000' };
  delete env.DATABASE_URL;

  const out = execFileSync(binary(), ['demo', '--no-serve', '--registers-persons', '5000'], { env, encoding: 'utf8' });
  const users = [];
  for (const line of out.split('\n')) {
    const m = line.match(/^\s+(\S+@\S+)\s+(\S+)\s+(\S+):(\S+)$/);
    if (m) users.push({ email: m[1], password: m[2], org: m[3], role: m[4] });
  }
  if (users.length < 14) throw new Error(`expected 14 demo users, got ${users.length}:\n${out}`);
  // Passwords are secrets: the log scan checks that none of them was ever logged.
  fs.appendFileSync(path.join(logDir, 'secrets.txt'), users.map((u) => u.password).join('\n') + '\n');
  fs.writeFileSync(path.join(__dirname, '.demo-users.json'), JSON.stringify(users));
  // Where the platform keeps its files: a failing journey reports what the server's own
  // processes (a notebook's JupyterLab) logged.
  fs.writeFileSync(path.join(__dirname, '.data-dir'), dataDir);

  const log = fs.openSync(path.join(logDir, 'e2e-server.log'), 'a');
  const server = spawn(binary(), ['serve', '--listen', `127.0.0.1:${port}`], { env, stdio: ['ignore', log, log], detached: false });
  fs.writeFileSync(path.join(__dirname, '.server.pid'), String(server.pid));
  server.unref();
  await waitForHealth(`http://127.0.0.1:${port}/api/health`, Date.now() + 30_000);
};
