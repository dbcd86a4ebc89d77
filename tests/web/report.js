#!/usr/bin/env node
// Looks at a verbatim report.html in headless Chromium: checks that the NPS change waterfall,
// the theme trends table, the new theme candidates and the segments table are there, that
// right-to-left verbatims render right to left, and saves one PNG per section.
//
//   node tests/web/report.js REPORT_HTML SCREENSHOT_PREFIX [CHROMIUM]
//
// Same transport as drive.js: cdp.js (DevTools protocol over --remote-debugging-pipe, no npm
// packages).
// Prints one line per check; exits 1 on the first failed check.
"use strict";

const fs = require("fs");
const path = require("path");
const { launch } = require("./cdp");

const [report, prefix, chromiumArg] = process.argv.slice(2);
if (!report || !prefix) {
  console.error("usage: node report.js REPORT_HTML SCREENSHOT_PREFIX [CHROMIUM]");
  process.exit(2);
}
const chromium = chromiumArg || process.env.VERBATIM_CHROMIUM || "/usr/bin/chromium";
const cdp = launch({
  chromium,
  profilePrefix: "verbatim-report-",
  flags: [
    "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
    "--disable-extensions", "--hide-scrollbars", "--lang=en-US",
  ],
});
const { send, evaluate } = cdp;

function done(code, msg) {
  if (msg) console.log(msg);
  cdp.close();
  process.exit(code);
}
setTimeout(() => done(1, "FAIL the run took more than 60 s"), 60000);
cdp.browser.on("error", (e) => done(1, "FAIL cannot start " + chromium + ": " + e.message));

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
  await cdp.openPage();
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
