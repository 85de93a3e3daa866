// Drives praxisd's web page in headless chromium (run by run.sh):
// three real nodes on 127.0.0.1; the page on node A shows a group grow into
// a practice circle as republishes arrive from nodes B and C, without a
// reload; a fetch started from the page completes; the console stays clean.
// Screenshots go to $PRAXIS_SCREENSHOTS.
"use strict";
const { chromium } = require("playwright-core");
const { spawn, execFileSync } = require("child_process");
const fs = require("fs");
const os = require("os");
const path = require("path");

const PRAXISD = process.env.PRAXISD_BIN;
const PRAXIS = process.env.PRAXIS_BIN;
const SHOTS = process.env.PRAXIS_SCREENSHOTS;
const LIVENESS_MS = 30000;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "praxis-browser-"));
const daemons = [];

function log(...args) { console.log("[browser]", ...args); }

function praxis(dir, args, opts) {
  return execFileSync(PRAXIS, ["--data-dir", dir, ...args], Object.assign({ encoding: "utf8", stdio: ["pipe", "pipe", "pipe"] }, opts));
}
function praxisJson(dir, args) { return JSON.parse(praxis(dir, [...args, "--json"])); }

async function eventually(what, fn, ms = LIVENESS_MS) {
  const end = Date.now() + ms;
  let last;
  for (;;) {
    try { const v = await fn(); if (v) return v; } catch (e) { last = e; }
    if (Date.now() > end) throw new Error("timed out waiting for " + what + (last ? ": " + last.message : ""));
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function startNode(name, seed, http = "127.0.0.1:0") {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir);
  const args = ["--data-dir", dir, "--listen", "127.0.0.1:0", "--http", http];
  if (seed) args.push("--seed", seed);
  const out = fs.openSync(path.join(tmp, name + ".log"), "a");
  const child = spawn(PRAXISD, args, { stdio: ["ignore", out, out] });
  daemons.push({ name, child, dir });
  const status = await eventually(name + " to answer", () => praxisJson(dir, ["status"]));
  log(name, "member", status.member.slice(0, 8), "listen", status.listen, "http", status.http);
  return { name, dir, status };
}

function stopAll() {
  for (const d of daemons) if (d.child.exitCode === null) d.child.kill("SIGTERM");
}

async function main() {
  const a = await startNode("a");
  const b = await startNode("b", a.status.listen);
  const c = await startNode("c", a.status.listen);

  const g = praxisJson(a.dir, ["group", "create", "field notes", "--tag", "ecology", "--description", "wetland surveys, shared and passed on", "--min-republishers", "2"]).group;
  praxis(a.dir, ["share", "--text", "-", "--group", g, "--title", "Reed bed survey, spring", "--tag", "wetlands", "--json"],
         { input: "Reeds thick along the north bank; two bitterns heard at dusk.\n" });
  for (const n of [b, c]) await eventually(n.name + " to join", () => { praxis(n.dir, ["group", "join", g]); return true; });
  const fileB = path.join(tmp, "heron-counts.csv");
  fs.writeFileSync(fileB, Buffer.alloc(600 * 1024, "heron,12\n"));
  const shareB = praxisJson(b.dir, ["share", fileB, "--group", g, "--title", "Heron counts 2026", "--tag", "birds"]);
  const shareA = praxisJson(a.dir, ["ls", "--group", g]).find((e) => e.author === a.status.member);
  await eventually("a to hold b's share", () => praxisJson(a.dir, ["ls", "--group", g]).length === 2);

  const browser = await chromium.launch({
    executablePath: process.env.PRAXIS_CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const problems = [];
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    const page = await context.newPage();
    page.on("console", (m) => { if (m.type() === "error") problems.push("console error: " + m.text()); });
    page.on("pageerror", (e) => problems.push("page error: " + e.message));
    page.on("requestfailed", (r) => { if (!r.url().includes("/events/stream")) problems.push("request failed: " + r.url()); });
    page.on("response", (r) => { if (r.status() >= 400) problems.push("HTTP " + r.status() + " for " + r.url()); });
    // Offline: the page asks nothing of anyone but its own node.
    const own = "http://" + a.status.http + "/";
    page.on("request", (r) => { if (!r.url().startsWith(own) && !r.url().startsWith("data:")) problems.push("external request: " + r.url()); });

    await page.goto("http://" + a.status.http + "/");
    const card = page.locator('#groups [data-group="' + g + '"]');
    await card.waitFor({ timeout: LIVENESS_MS });
    await page.locator("#live.on").waitFor({ timeout: LIVENESS_MS });
    const stage = card.locator(".stage");
    if ((await stage.textContent()) !== "network") throw new Error("a new group should be a network");
    await page.screenshot({ path: path.join(SHOTS, "1-network.png"), fullPage: true });
    log("page shows the group as a network");

    // B passes on A's note: one arrow in the graph, still a network.
    praxis(b.dir, ["republish", shareA.announcement]);
    // (An arrow may be a zero-width line: wait for it to exist, not to be "visible".)
    await card.locator("line.edge").first().waitFor({ state: "attached", timeout: LIVENESS_MS });
    await eventually("'1 of 2' on the page", async () => (await card.locator(".next").textContent()).startsWith("1 of 2"));
    if ((await stage.textContent()) !== "network") throw new Error("one republisher of two is still a network");
    log("B's republish arrived live: 1 of 2");

    // C passes on A's note too: the page shows a practice circle, no reload.
    const loads = [];
    page.on("load", () => loads.push(Date.now()));
    praxis(c.dir, ["republish", shareA.announcement]);
    await eventually("the stage to become practice", async () => (await stage.textContent()) === "practice");
    if (loads.length) throw new Error("the page reloaded instead of updating live");
    const edges = await card.locator("line.edge").count();
    if (edges !== 2) throw new Error("the graph should show 2 arrows, shows " + edges);
    await page.locator("#events li", { hasText: "became a practice circle" }).first().waitFor({ timeout: LIVENESS_MS });
    await page.screenshot({ path: path.join(SHOTS, "2-practice.png"), fullPage: true });
    log("stage changed live to practice");

    // Fetch B's file from the page; it completes and the row says held.
    const row = page.locator('#library tr[data-announcement="' + shareB.announcement + '"]');
    await row.locator("button.fetch").click();
    await eventually("the fetch to complete", async () => (await row.locator(".held").textContent()).trim() === "yes");
    const held = praxisJson(a.dir, ["ls", "--group", g]).find((e) => e.announcement === shareB.announcement).held;
    if (held !== "yes") throw new Error("the node does not hold the fetched file: " + held);
    await page.screenshot({ path: path.join(SHOTS, "3-fetched.png"), fullPage: true });
    log("fetch from the page completed");

    // The directory finds the circle by tag.
    await page.fill("#discover-tag", "ecology");
    await page.selectOption("#discover-stage", "practice");
    await page.click('#discover-form button[type="submit"]');
    await page.locator('#directory tr[data-group="' + g + '"]').waitFor({ timeout: LIVENESS_MS });
    await page.locator('#directory tr[data-group="' + g + '"] .stage.practice').waitFor({ timeout: LIVENESS_MS });
    // The picture for the README: the circle, its graph and the events that raised it.
    await page.screenshot({ path: path.join(SHOTS, "practice-circle.png"), clip: { x: 0, y: 0, width: 1280, height: 420 } });
    log("directory finds it by tag");
    await page.waitForTimeout(500);

    // Beyond loopback the page asks for the token, and works once given it
    // (in the address, #token=..., which it keeps and removes from view).
    const d = await startNode("d", a.status.listen, "0.0.0.0:0");
    const port = d.status.http.split(":").pop();
    const token = fs.readFileSync(path.join(d.dir, "api-token"), "utf8").trim();
    const asking = await (await browser.newContext()).newPage();
    await asking.goto("http://127.0.0.1:" + port + "/");
    await asking.locator("#token-box").waitFor({ state: "visible", timeout: LIVENESS_MS });
    const given = await context.newPage();
    given.on("console", (m) => { if (m.type() === "error") problems.push("console error (token page): " + m.text()); });
    given.on("pageerror", (e) => problems.push("page error (token page): " + e.message));
    await given.goto("http://127.0.0.1:" + port + "/#token=" + token);
    await given.locator("#live.on").waitFor({ timeout: LIVENESS_MS });
    if ((await given.locator("#member").textContent()) !== d.status.member.slice(0, 8)) throw new Error("the token page shows another node");
    if (given.url().includes(token)) throw new Error("the token stays in the address bar");
    log("beyond loopback: the page asks for the token and works with it");
  } finally {
    await browser.close();
  }
  if (problems.length) throw new Error("the page was not clean:\n  " + problems.join("\n  "));
  log("screenshots in", SHOTS);
}

// Stops the daemons and, once they have exited, removes their directories.
async function stopAndClean() {
  stopAll();
  await Promise.all(daemons.map((d) => d.child.exitCode !== null ? null : new Promise((r) => d.child.once("exit", r))));
  fs.rmSync(tmp, { recursive: true, force: true });
}

main().then(async () => { await stopAndClean(); log("PASS"); }, (e) => {
  console.log("[browser] FAIL: " + (e && e.stack || e));
  for (const d of daemons) {
    try { console.log("---- " + d.name + " log\n" + fs.readFileSync(path.join(tmp, d.name + ".log"), "utf8").slice(-4000)); } catch (_) { /* none */ }
  }
  stopAll();
  process.exitCode = 1;
});
