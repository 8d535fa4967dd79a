const fs = require('node:fs');
const path = require('node:path');

module.exports = async () => {
  const pidFile = path.join(__dirname, '.server.pid');
  if (fs.existsSync(pidFile)) {
    const pid = Number(fs.readFileSync(pidFile, 'utf8'));
    try { process.kill(pid, 'SIGINT'); } catch (_) { /* already gone */ }
    fs.rmSync(pidFile);
  }
};
