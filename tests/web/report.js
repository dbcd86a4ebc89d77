#!/usr/bin/env node
// Looks at a verbatim report.html in headless Chromium: checks that the NPS change waterfall,
// the theme trends table, the new theme candidates and the segments table are there, that
// right-to-left verbatims render right to left, and saves one PNG per section.
//
//   node tests/web/report.js REPORT_HTML SCREENSHOT_PREFIX [CHROMIUM]
//
// Same transport as drive.js (DevTools protocol over --remote-debugging-pipe, no npm packages).
// Prints one line per check; exits 1 on the first failed check.
"use strict";

const { spawn } = require("child_process");
const fs = require("fs");
const os = require("os");
const path = require("path");

const [report, prefix, chromiumArg] = process.argv.slice(2);
if (!report || !prefix) {
  console.error("usage: node report.js REPORT_HTML SCREENSHOT_PREFIX [CHROMIUM]");
  process.exit(2);
}
const chromium = chromiumArg || process.env.VERBATIM_CHROMIUM || "/usr/bin/chromium";
const profile = fs.mkdtempSync(path.join(os.tmpdir(), "verbatim-report-"));
const browser = spawn(chromium, [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
  "--disable-extensions", "--hide-scrollbars", "--lang=en-US", "--user-data-dir=" + profile,
  "--remote-debugging-pipe", "about:blank",
], { stdio: ["ignore", "ignore", "ignore", "pipe", "pipe"] });

function done(code, msg) {
  if (msg) console.log(msg);
  try { browser.kill("SIGKILL"); } catch (_) { /* gone */ }
  try { fs.rmSync(profile, { recursive: true, force: true }); } catch (_) { /* best effort */ }
  process.exit(code);
}
setTimeout(() => done(1, "FAIL the run took more than 60 s"), 60000);
browser.on("error", (e) => done(1, "FAIL cannot start " + chromium + ": " + e.message));

const toBrowser = browser.stdio[3], fromBrowser = browser.stdio[4];
let nextId = 1, session = null, buf = Buffer.alloc(0);
const pending = new Map();
fromBrowser.on("data", (chunk) => {
  buf = Buffer.concat([buf, chunk]);
  let end;
  while ((end = buf.indexOf(0)) >= 0) {
    const msg = JSON.parse(buf.subarray(0, end).toString("utf8"));
    buf = buf.subarray(end + 1);
    if (msg.id && pending.has(msg.id)) {
      const { resolve, reject } = pending.get(msg.id);
      pending.delete(msg.id);
      if (msg.error) reject(new Error(msg.error.message)); else resolve(msg.result);
    }
  }
});
function send(method, params = {}, sessionId = session) {
  const id = nextId++;
  const msg = { id, method, params };
  if (sessionId) msg.sessionId = sessionId;
  toBrowser.write(JSON.stringify(msg) + "\0");
  return new Promise((resolve, reject) => pending.set(id, { resolve, reject }));
}
async function evaluate(expression) {
  const r = await send("Runtime.evaluate", { expression, returnByValue: true });
  if (r.exceptionDetails) throw new Error(r.exceptionDetails.text);
  return r.result.value;
}
function check(cond, what, detail) {
  if (!cond) done(1, "FAIL " + what + (detail ? ": " + JSON.stringify(detail) : ""));
  console.log("ok   " + what);
}

// The box from a section heading down to the next heading of the same or a higher level.
const BOX = (id) => `(() => {
  const h = document.getElementById(${JSON.stringify(id)});
  if (!h) return null;
  const level = h.tagName;
  let r = h.getBoundingClientRect(), top = r.top + scrollY, bottom = r.bottom + scrollY;
  for (let e = h.nextElementSibling; e && !(/^H[12]$/.test(e.tagName) && e.tagName <= level); e = e.nextElementSibling) {
    if (e.tagName === "H3" && level === "H2" && e.id) break;
    bottom = Math.max(bottom, e.getBoundingClientRect().bottom + scrollY);
  }
  const m = document.querySelector("main").getBoundingClientRect();
  return { x: m.left, y: top - 8, width: m.width, height: Math.min(bottom - top + 16, 3000) };
})()`;

async function main() {
  const { targetId } = await send("Target.createTarget", { url: "about:blank" }, null);
  ({ sessionId: session } = await send("Target.attachToTarget", { targetId, flatten: true }, null));
  await send("Page.enable");
  await send("Runtime.enable");
  await send("Emulation.setDeviceMetricsOverride", { width: 1100, height: 900, deviceScaleFactor: 1, mobile: false });
  await send("Page.navigate", { url: "file://" + path.resolve(report) });
  for (let i = 0; i < 100 && (await evaluate("document.readyState")) !== "complete"; i++)
    await new Promise((r) => setTimeout(r, 50));

  const facts = await evaluate(`(() => ({
    bars: document.querySelectorAll("svg[aria-label='NPS change waterfall'] rect").length,
    contributions: document.querySelectorAll("#compare ~ table")[0]?.querySelectorAll("tr").length || 0,
    trendRows: document.querySelectorAll("table.trends tr").length,
    segmentRows: document.querySelectorAll("table.segments tr").length,
    candidates: document.getElementById("candidates") ? 1 : 0,
    rtl: [...document.querySelectorAll("blockquote[dir=auto]")].filter(b => /[\\u0590-\\u06FF]/.test(b.textContent.trim()[0] || ""))
      .map(b => getComputedStyle(b).direction),
    overflow: document.documentElement.scrollWidth > innerWidth,
  }))()`);
  check(facts.bars >= 3, "waterfall: start, one bar per theme, end", facts.bars);
  check(facts.contributions >= 3, "waterfall table rows", facts.contributions);
  check(facts.trendRows >= 2, "trends table rows", facts.trendRows);
  check(facts.segmentRows >= 2, "segments table rows", facts.segmentRows);
  check(facts.rtl.length > 0 && facts.rtl.every((d) => d === "rtl"),
    "Hebrew/Persian/Arabic verbatims render right to left", facts.rtl);
  check(!facts.overflow, "no horizontal page overflow at 1100 px");
  for (const id of ["compare", "trends", "candidates", "segments"]) {
    const clip = await evaluate(BOX(id));
    if (!clip) { console.log("skip " + id + " (no such section)"); continue; }
    const r = await send("Page.captureScreenshot", { format: "png", captureBeyondViewport: true, clip: { ...clip, scale: 1 } });
    const file = prefix + "-" + id + ".png";
    fs.writeFileSync(file, Buffer.from(r.data, "base64"));
    console.log("shot " + file);
  }
  done(0, "PASS");
}
main().catch((e) => done(1, "FAIL " + e.message));
