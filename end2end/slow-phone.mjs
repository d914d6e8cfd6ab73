// How long a person on a slow phone waits (`make size`, after first-visit.mjs):
// Chromium with the network and CPU of Lighthouse's phone model (150 ms round
// trips, 1.6 Mbit/s down, 750 kbit/s up, the CPU slowed 4×), in a fresh profile
// each round, opens the sign-in page, signs in after 3 s (typing; the profile is loaded in full,
// as a page of the new session, with the shell cached), then goes to the tokens
// page inside the app. Prints each step's time until the page is interactive
// (from the navigation's start by the browser's clock, from the click for the
// others), the median of three rounds. A measurement, not a test (timings vary with the
// machine): it fails only when a page does not start or a request fails.
// Usage (with end2end/serve.sh's variables set): node end2end/slow-phone.mjs
import { chromium } from "@playwright/test";

const base = process.env.BASE_URL;
const password = process.env.ADMIN_PASSWORD;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu"],
});
const steps = { "sign-in page, opened": [], "profile, after signing in": [], "tokens, from the profile": [] };
const problems = [];
for (let round = 0; round < 3; round++) {
  const context = await browser.newContext();
  // The moment each page became interactive, by the browser's clock (its
  // navigation start is the first step's start).
  await context.addInitScript(() => {
    new MutationObserver((_, observer) => {
      if (document.getElementById("app")?.dataset.hydrated === "true") {
        observer.disconnect();
        window.interactiveAt = performance.timeOrigin + performance.now();
        window.openedAfter = performance.now();
      }
    }).observe(document, { subtree: true, attributes: true, attributeFilter: ["data-hydrated"] });
  });
  const page = await context.newPage();
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("requestfailed", (r) => problems.push(`failed: ${r.url()}`));
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.emulateNetworkConditions", {
    offline: false,
    latency: 150,
    downloadThroughput: (1.6e6 / 8) * 0.9,
    uploadThroughput: (750e3 / 8) * 0.9,
  });
  await cdp.send("Emulation.setCPUThrottlingRate", { rate: 4 });
  const interactive = () => page.locator('#app[data-hydrated="true"]').waitFor({ timeout: 60_000 });
  await page.goto(base + "/login");
  await interactive();
  steps["sign-in page, opened"].push(await page.evaluate(() => window.openedAfter));
  // A person takes a few seconds to type a name and a password (meanwhile the
  // page fetches what signing in leads to, src/boot.js).
  await page.waitForTimeout(3000);
  await page.getByLabel("Username or email").fill("admin");
  await page.getByLabel("Password").fill(password);
  let start = Date.now();
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.waitForURL(/\/settings\/profile$/, { timeout: 60_000 });
  await interactive();
  steps["profile, after signing in"].push((await page.evaluate(() => window.interactiveAt)) - start);
  start = Date.now();
  await page.getByRole("link", { name: "API tokens", exact: true }).click();
  await page.getByRole("heading", { level: 1, name: "API tokens" }).waitFor({ timeout: 60_000 });
  await page.getByRole("button", { name: "Create token" }).and(page.locator(":enabled")).waitFor({ timeout: 60_000 });
  steps["tokens, from the profile"].push(Date.now() - start);
  await context.close();
}
await browser.close();
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const [step, times] of Object.entries(steps)) {
  console.log(`slow phone: ${step.padEnd(27)} interactive after ${(median(times) / 1000).toFixed(1)} s (rounds: ${times.map((t) => (t / 1000).toFixed(1)).join(", ")} s)`);
}
for (const p of problems) console.log(`  ${p}`);
process.exit(problems.length > 0 ? 1 : 0);
