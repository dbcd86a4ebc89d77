// The DevTools-pipe transport shared by drive.js and report.js: starts headless Chromium with
// --remote-debugging-pipe (fd 3 in, fd 4 out, NUL-terminated JSON) and speaks the Chrome
// DevTools Protocol over it, so the web tests need nothing but node and chromium: no npm
// packages, no network.
"use strict";

const { spawn } = require("child_process");
const fs = require("fs");
const os = require("os");
const path = require("path");

// Starts `chromium` headless with `flags` in a fresh profile named after `profilePrefix`.
// Messages that answer no command (events) go to `onEvent`. Returns the connection:
// `send(method, params, sessionId)` (the page session by default), `evaluate(expression)`,
// `openPage()` (a new tab; its session becomes the default), `log()` (the tail of chromium's
// stderr, D-Bus complaints left out), `close()` (kills chromium, removes the profile) and
// `browser`, the child process.
function launch({ chromium, flags, profilePrefix, onEvent = () => {} }) {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), profilePrefix));
  const browser = spawn(chromium, [
    "--headless", "--no-sandbox", ...flags,
    "--user-data-dir=" + profile, "--remote-debugging-pipe", "about:blank",
  ], { stdio: ["ignore", "ignore", "pipe", "pipe", "pipe"] });

  let log = "";
  // Headless Chromium complains about the missing D-Bus on every start; keep the rest.
  browser.stderr.on("data", (d) => {
    const lines = String(d).split("\n").filter((l) => l.trim() && !l.includes("dbus"));
    if (lines.length) log = (log + lines.join("\n") + "\n").slice(-4000);
  });

  const toBrowser = browser.stdio[3], fromBrowser = browser.stdio[4];
  let nextId = 1, buf = Buffer.alloc(0);
  const pending = new Map();
  fromBrowser.on("data", (chunk) => {
    buf = Buffer.concat([buf, chunk]);
    let end;
    while ((end = buf.indexOf(0)) >= 0) {
      const msg = JSON.parse(buf.subarray(0, end).toString("utf8"));
      buf = buf.subarray(end + 1);
      if (msg.id && pending.has(msg.id)) {
        const { resolve, reject, method } = pending.get(msg.id);
        pending.delete(msg.id);
        if (msg.error) reject(new Error(method + ": " + msg.error.message)); else resolve(msg.result);
      } else {
        onEvent(msg);
      }
    }
  });

  const cdp = {
    browser,
    session: null,
    send(method, params = {}, sessionId = cdp.session) {
      const id = nextId++;
      const msg = { id, method, params };
      if (sessionId) msg.sessionId = sessionId;
      toBrowser.write(JSON.stringify(msg) + "\0");
      return new Promise((resolve, reject) => pending.set(id, { resolve, reject, method }));
    },
    async evaluate(expression) {
      const r = await cdp.send("Runtime.evaluate", { expression, awaitPromise: true, returnByValue: true });
      if (r.exceptionDetails) throw new Error("in page: " + (r.exceptionDetails.exception?.description || r.exceptionDetails.text));
      return r.result.value;
    },
    async openPage() {
      const { targetId } = await cdp.send("Target.createTarget", { url: "about:blank" }, null);
      ({ sessionId: cdp.session } = await cdp.send("Target.attachToTarget", { targetId, flatten: true }, null));
    },
    log: () => log,
    close() {
      try { browser.kill("SIGKILL"); } catch (_) { /* already gone */ }
      try { fs.rmSync(profile, { recursive: true, force: true }); } catch (_) { /* best effort */ }
    },
  };
  return cdp;
}

module.exports = { launch };
