#!/usr/bin/env node
// Drives the verbatim workspace page in headless Chromium, end to end, for tests/web.rs.
//
//   node tests/web/drive.js URL SCREENSHOT_DIR [CHROMIUM]
//
// Speaks the Chrome DevTools Protocol over --remote-debugging-pipe through cdp.js, so it needs
// nothing but node and chromium: no npm packages, no network.
// Input is real: mouse clicks at element coordinates and typed text, as a user would do.
// Prints one line per check; exits 1 on the first failed check, with the reason.
"use strict";

const fs = require("fs");
const path = require("path");
const { launch } = require("./cdp");

const [url, shotDir, chromiumArg] = process.argv.slice(2);
if (!url || !shotDir) {
  console.error("usage: node drive.js URL SCREENSHOT_DIR [CHROMIUM]");
  process.exit(2);
}
const chromium = chromiumArg || process.env.VERBATIM_CHROMIUM || "/usr/bin/chromium";
const pageErrors = [];
const cdp = launch({
  chromium,
  profilePrefix: "verbatim-web-",
  flags: [
    "--disable-gpu", "--disable-dev-shm-usage",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-extensions", "--disable-default-apps", "--no-first-run", "--no-default-browser-check",
    "--mute-audio", "--log-level=2", "--hide-scrollbars", "--window-size=1280,900", "--lang=en-US",
  ],
  onEvent: (msg) => {
    if (msg.method === "Runtime.exceptionThrown") {
      pageErrors.push("exception: " + JSON.stringify(msg.params.exceptionDetails.exception?.description || msg.params.exceptionDetails.text));
    } else if (msg.method === "Runtime.consoleAPICalled" && msg.params.type === "error") {
      pageErrors.push("console.error: " + msg.params.args.map(a => a.value ?? a.description).join(" "));
    } else if (msg.method === "Log.entryAdded" && msg.params.entry.level === "error") {
      pageErrors.push("log: " + msg.params.entry.text + " " + (msg.params.entry.url || ""));
    }
  },
});
const { browser, send, evaluate } = cdp;

function fail(msg) {
  console.log("FAIL " + msg);
  if (cdp.log().trim()) console.log("chromium stderr (tail):\n" + cdp.log().trim());
  cdp.close();
  process.exit(1);
}

const overall = setTimeout(() => fail("the whole run took more than 120 s"), 120000);
browser.on("exit", (code) => fail("chromium exited early with code " + code));
browser.on("error", (e) => fail("cannot start " + chromium + ": " + e.message));

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what, expression, ms = 30000) {
  const until = Date.now() + ms;
  let last, lastError = "";
  while (Date.now() < until) {
    // While a page loads, its elements may not exist yet: that is "not yet", not a failure.
    last = await evaluate(expression).catch((e) => { lastError = e.message; return null; });
    if (last) return last;
    await sleep(50);
  }
  fail("timed out waiting for " + what + " (last value " + JSON.stringify(last) + (lastError ? ", last error " + lastError : "") + ")");
}

async function click(selector) {
  const p = await evaluate(`(() => { const e = document.querySelector(${JSON.stringify(selector)});
    if (!e) return null; e.scrollIntoView({ block: "center" }); const r = e.getBoundingClientRect();
    return { x: r.x + r.width / 2, y: r.y + r.height / 2 }; })()`);
  if (!p) fail("nothing to click at " + selector);
  await send("Input.dispatchMouseEvent", { type: "mouseMoved", x: p.x, y: p.y });
  await send("Input.dispatchMouseEvent", { type: "mousePressed", x: p.x, y: p.y, button: "left", clickCount: 1 });
  await send("Input.dispatchMouseEvent", { type: "mouseReleased", x: p.x, y: p.y, button: "left", clickCount: 1 });
}

async function typeInto(selector, text) {
  await click(selector);
  await evaluate(`document.querySelector(${JSON.stringify(selector)}).select()`);
  await send("Input.insertText", { text });
}

async function pressEnter() {
  const key = { key: "Enter", code: "Enter", windowsVirtualKeyCode: 13, nativeVirtualKeyCode: 13 };
  await send("Input.dispatchKeyEvent", { type: "rawKeyDown", ...key });
  await send("Input.dispatchKeyEvent", { type: "char", text: "\r", ...key });
  await send("Input.dispatchKeyEvent", { type: "keyUp", ...key });
}

async function screenshot(file) {
  const m = await send("Page.getLayoutMetrics");
  const h = Math.min(Math.ceil(m.cssContentSize.height), 4000);
  const r = await send("Page.captureScreenshot", { format: "png", captureBeyondViewport: true,
    clip: { x: 0, y: 0, width: 1280, height: h, scale: 1 } });
  fs.writeFileSync(file, Buffer.from(r.data, "base64"));
  console.log("screenshot " + file);
}

function check(cond, what, detail) {
  if (!cond) fail(what + (detail === undefined ? "" : ": " + JSON.stringify(detail)));
  console.log("ok   " + what);
}

// The visible state of the result list, read from the page as a user sees it.
const RESULTS = `(() => ({
  status: document.getElementById("status").textContent,
  hash: location.hash,
  hits: [...document.querySelectorAll("#results > li")].map(li => ({
    seq: li.dataset.seq,
    lang: li.querySelector(".meta .tag").textContent,
    dir: getComputedStyle(li.querySelector(".snippet")).direction,
    text: li.querySelector(".snippet").textContent,
    marks: li.querySelectorAll(".snippet b, .snippet mark").length,
  })),
  chips: [...document.querySelectorAll("#chips .chip")].map(c => c.textContent),
  exportHref: document.getElementById("export").getAttribute("href"),
}))()`;

async function main() {
  await cdp.openPage();
  await send("Page.enable");
  await send("Runtime.enable");
  await send("Log.enable");
  await send("Emulation.setDeviceMetricsOverride", { width: 1280, height: 900, deviceScaleFactor: 1, mobile: false });
  await send("Page.navigate", { url });

  // 1. The page loads and lists every answer.
  const first = await waitFor("the first result list", `(() => { const s = document.getElementById("status").textContent;
    return /^\\d[\\d,]* answers/.test(s) && document.querySelectorAll("#results > li").length > 0 ? s : null; })()`);
  const total0 = parseInt(first.replace(/,/g, ""), 10);
  check(total0 >= 20, "page lists all answers on load", first);
  check(await evaluate(`document.querySelectorAll("#facets section").length`) >= 5,
    "facet groups: theme, sentiment, language, NPS group and segments");

  // 2. Paging.
  await click("#next");
  await waitFor("page 2", `document.getElementById("status").textContent.includes("showing 21")`);
  let r = await evaluate(RESULTS);
  check(r.hits.length === total0 - 20 && r.hash.includes("offset=20"), "Next shows page 2", r.status);
  await click("#prev");
  await waitFor("page 1", `document.getElementById("status").textContent.includes("showing 1–")`);

  // 3. Typing a query and pressing Enter searches.
  await typeInto("#q", "late delivery");
  await pressEnter();
  r = await waitFor("results for the typed query", `(() => { const r = ${RESULTS};
    return r.hash.includes("q=late+delivery") && !r.status.startsWith("Searching") ? r : null; })()`);
  check(r.status.includes("hybrid"), "typed query runs a hybrid search", r.status);
  check(r.hits[0].seq === "0", "the answer with the query words leads (keyword + semantic)", r.hits.slice(0, 3));
  check(["1", "2", "3"].every(s => r.hits.slice(0, 8).some(h => h.seq === s)),
    "late deliveries in Hebrew, Persian and Arabic are near the top", r.hits.slice(0, 8));
  check(r.hits.some(h => h.marks > 0), "snippets highlight the match");
  const rtl = r.hits.filter(h => ["he", "fa", "ar"].includes(h.lang));
  check(rtl.length >= 3 && rtl.every(h => h.dir === "rtl"), "Hebrew, Persian and Arabic answers render right-to-left", rtl);
  check(r.hits.filter(h => h.lang === "en").every(h => h.dir === "ltr"), "English answers render left-to-right");
  const before = r;
  await screenshot(path.join(shotDir, "web-e2e-query.png"));

  // 4. Clicking a facet filters the results.
  const heCount = await evaluate(`parseInt(document.querySelector('#facets section[data-facet="lang"] button[data-value="he"] .n').textContent, 10)`);
  await click('#facets section[data-facet="lang"] button[data-value="he"]');
  r = await waitFor("the language filter", `(() => { const r = ${RESULTS};
    return r.hash.includes("lang=he") && !r.status.startsWith("Searching") ? r : null; })()`);
  check(r.hits.length > 0 && r.hits.every(h => h.lang === "he"), "facet click keeps only Hebrew answers", r.hits);
  check(r.hits.length < before.hits.length, "results changed after the facet click", [before.hits.length, r.hits.length]);
  check(parseInt(r.status.replace(/,/g, ""), 10) === heCount, "total equals the facet count that was clicked", [r.status, heCount]);
  check(r.chips.some(c => c.startsWith("lang: he")), "an active-filter chip is shown", r.chips);
  check(await evaluate(`document.querySelector('#facets section[data-facet="lang"] button[data-value="he"]').classList.contains("on")`),
    "the clicked facet is marked active");
  check(r.exportHref.includes("lang=he") && r.exportHref.includes("q=late+delivery"), "export link carries query and filter", r.exportHref);
  await screenshot(path.join(shotDir, "web-e2e.png"));

  // 5. The CSV export has the rows of the current result set.
  const csv = await evaluate(`fetch(document.getElementById("export").getAttribute("href")).then(x => x.text())`);
  const rows = csv.trim().split("\n").length - 1;
  check(rows === heCount, "CSV export has one row per result", [rows, heCount]);

  // 6. A second facet (segment) narrows further (AND); removing the chip undoes the first.
  // (the first Plan value the Hebrew results have: the relevance cut decides which remain)
  const plan = await evaluate(`document.querySelector('#facets section[data-facet="segment.Plan"] button').dataset.value`);
  await click(`#facets section[data-facet="segment.Plan"] button[data-value="${plan}"]`);
  r = await waitFor("the segment filter", `(() => { const r = ${RESULTS};
    return r.hash.includes("segment=Plan") && !r.status.startsWith("Searching") ? r : null; })()`);
  const api = await evaluate(`fetch("/api/search?q=late+delivery&lang=he&segment=Plan%3D${plan}").then(x => x.json())`);
  check(r.hits.map(h => h.seq).join() === api.hits.map(h => String(h.seq)).join(), "two facets: page shows what the API returns", [r.hits.length, api.total]);
  await click("#chips .chip");
  r = await waitFor("the chip removal", `(() => { const r = ${RESULTS};
    return !r.hash.includes("lang=he") && !r.status.startsWith("Searching") ? r : null; })()`);
  check(r.hits.some(h => h.lang !== "he"), "removing the language chip brings other languages back");
  if (plan !== "Pro") { // the answer step 8 looks for is on the Pro plan: drop the other plan's chip
    await click("#chips .chip");
    await waitFor("the segment chip removal", `(() => { const r = ${RESULTS};
      return !r.hash.includes("segment=") && !r.status.startsWith("Searching") ? r : null; })()`);
  }

  // 7. More like this.
  await click("#results > li a.similar");
  r = await waitFor("similar answers", `(() => { const r = ${RESULTS};
    return r.status.includes("most similar") ? r : null; })()`);
  check(r.hits.length > 0, "more like this lists similar answers", r.status);

  // 8. Answer text with markup shows as text, never runs.
  await typeInto("#q", "crashes");
  await pressEnter();
  r = await waitFor("the crash answer", `(() => { const r = ${RESULTS};
    return r.hash.includes("q=crashes") && !r.status.startsWith("Searching") ? r : null; })()`);
  check(r.hits.some(h => h.text.includes("<script>alert(1)</script>")), "markup in an answer is shown as text", r.hits);
  check(await evaluate(`document.querySelectorAll("#results script, #results img, #results iframe").length`) === 0,
    "no element was injected from answer text");

  // 9. Themes tab: table, impact chart, drivers.
  await click("#tab-themes");
  await waitFor("the theme table", `document.querySelectorAll("#themes-table tbody tr").length > 0 && !!document.getElementById("impact-chart")`);
  const themes = await evaluate(`[...document.querySelectorAll("#themes-table tbody tr")].map(tr =>
    [tr.dataset.theme, parseInt(tr.children[1].textContent.replace(/,/g, ""), 10), tr.dataset.parent || null])`);
  const top = themes.filter(t => !t[2]);
  check(themes.length >= 8 && top.every((t, i) => i === 0 || top[i - 1][1] >= t[1]), "theme table, most mentioned first", themes);
  // The tree: wait_time is a child of support (the run's codebook), listed under it, and the
  // parent's count rolls up; the parent's button collapses and expands its children.
  const si = themes.findIndex(t => t[0] === "support"), wi = themes.findIndex(t => t[0] === "wait_time");
  check(wi === si + 1 && themes[wi][2] === "support" && themes[si][1] >= themes[wi][1], "a child theme is listed under its parent, counts rolled up", themes);
  const treeState = `(() => ({ expanded: document.querySelector('#themes-table tr[data-theme="support"] .tree-toggle').getAttribute("aria-expanded"),
    childShown: getComputedStyle(document.querySelector('#themes-table tr[data-theme="wait_time"]')).display !== "none" }))()`;
  check(JSON.stringify(await evaluate(treeState)) === '{"expanded":"true","childShown":true}', "the parent starts expanded");
  await screenshot(path.join(shotDir, "serve-theme-tree.png"));
  await click('#themes-table tr[data-theme="support"] .tree-toggle');
  const shut = await waitFor("the collapsed parent", `(() => { const s = ${treeState}; return s.expanded === "false" ? s : null; })()`);
  check(!shut.childShown && await evaluate(`!!document.querySelector('#themes-table tr[data-theme="support"] a')`), "clicking the parent's button collapses its children", shut);
  await click('#themes-table tr[data-theme="support"] .tree-toggle');
  const open = await waitFor("the expanded parent", `(() => { const s = ${treeState}; return s.expanded === "true" ? s : null; })()`);
  check(open.childShown, "clicking it again expands them", open);
  const bars = await evaluate(`document.querySelectorAll("#driver-chart .bar").length`);
  check(bars > 0, "driver chart has bars", bars);
  await screenshot(path.join(shotDir, "web-e2e-themes.png"));
  await click('#themes-table tbody tr[data-theme="price"] a');
  r = await waitFor("the theme drill-down", `(() => { const r = ${RESULTS};
    return r.hash.includes("theme=price") && !r.status.startsWith("Searching") && r.hits.length ? r : null; })()`);
  check(!(await evaluate(`document.getElementById("view-search").classList.contains("hidden")`)), "clicking a theme opens its answers");

  // 10. Segments tab: one row per segment value, NPS and theme shares against the rest.
  await click("#tab-segments");
  await waitFor("the segments table", `document.querySelectorAll("#segments-table tbody tr").length > 0`);
  const segs = await evaluate(`[...document.querySelectorAll("#segments-table tbody tr")].map(tr => tr.dataset.segment)`);
  check(segs.includes("Plan=Pro") && segs.includes("Country=IL"), "segments table lists every segment value", segs);
  const segHead = await evaluate(`[...document.querySelectorAll("#segments-table thead th")].map(th => th.textContent)`);
  check(segHead.length >= 3 + 8 && segHead[2] === "NPS", "segments table: NPS and one column per theme", segHead);
  check(await evaluate(`document.getElementById("view-themes").classList.contains("hidden") && document.getElementById("view-search").classList.contains("hidden")`),
    "only the segments view is shown");
  await screenshot(path.join(shotDir, "web-e2e-segments.png"));

  // 11. Follow-up tab: the answers to call back, by owner, right-to-left ones shown so.
  await click("#tab-followup");
  await waitFor("the follow-up lists", `document.querySelectorAll("#followup tbody tr").length > 0`);
  const fu = await evaluate(`[...document.querySelectorAll("#followup tbody tr")].map(tr =>
    ({ id: tr.children[0].textContent, score: tr.children[1].textContent, dir: getComputedStyle(tr.children[3]).direction,
       text: tr.children[3].textContent }))`);
  check(fu.length > 0 && fu.every((f, i) => i === 0 || +fu[i - 1].score <= +f.score), "follow-up list, lowest score first", fu);
  check(fu.filter(f => /[\u0590-\u06FF]/.test(f.text)).every(f => f.dir === "rtl"), "Hebrew, Persian and Arabic trigger sentences render right-to-left", fu);
  await screenshot(path.join(shotDir, "web-e2e-followup.png"));

  check(pageErrors.length === 0, "no script errors, console errors or CSP violations", pageErrors);
  clearTimeout(overall);
  console.log("PASS");
  browser.removeAllListeners("exit");
  cdp.close();
  process.exit(0);
}

main().catch((e) => fail(e.stack || String(e)));
