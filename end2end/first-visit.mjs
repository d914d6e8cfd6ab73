// What a browser downloads on a first visit (`make size`, after the file sizes):
// the sign-in page and a signed-in /settings/profile, each in a fresh browser
// profile, until the page is interactive (`#app[data-hydrated=true]`). Prints
// the bytes as served (compressed, headers left out) of the WASM (the page's
// pack too), JS and CSS and of everything, with the number of files, and what
// the page fetches once it is interactive (the sign-in page: what signing in
// leads to). Fails on a page error or a failed request: a page that does not
// start is no measurement.
// Usage (with end2end/serve.sh's variables set): ADMIN_COOKIE=name=value [FILES=1] node end2end/first-visit.mjs
// (the session cookie by environment, not argument: arguments show in `ps`)
import { chromium } from "@playwright/test";

const base = process.env.BASE_URL;
const cookie = process.env.ADMIN_COOKIE;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu"],
});
let failed = false;
for (const path of ["/login", "/settings/profile"]) {
  const context = await browser.newContext();
  if (path !== "/login") {
    const [name, value] = cookie.split(/=(.*)/s);
    await context.addCookies([{ name, value, url: base }]);
  }
  // The moment the page became interactive, by the browser's clock.
  await context.addInitScript(() => {
    new MutationObserver((_, observer) => {
      if (document.getElementById("app")?.dataset.hydrated === "true") {
        observer.disconnect();
        window.interactiveAt = performance.timeOrigin + performance.now();
      }
    }).observe(document, { subtree: true, attributes: true, attributeFilter: ["data-hydrated"] });
  });
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("requestfailed", (r) => problems.push(`failed: ${r.url()}`));
  const seen = [];
  page.on("requestfinished", (r) => seen.push(r));
  await page.goto(base + path);
  await page.locator('#app[data-hydrated="true"]').waitFor({ timeout: 30_000 });
  await page.waitForLoadState("networkidle");
  const interactiveAt = await page.evaluate(() => window.interactiveAt);
  let app = 0, apps = 0, all = 0, alls = 0, after = 0, afters = 0;
  for (const r of seen) {
    const { responseBodySize } = await r.sizes();
    if (r.timing().startTime >= interactiveAt) {
      after += responseBodySize;
      afters += 1;
      continue;
    }
    all += responseBodySize;
    alls += 1;
    // A pack (`/pkg/pack/…bin?m=…`) is WASM modules in one file.
    if (/\/pkg\/.*\.(wasm|js|css|bin)$/.test(new URL(r.url()).pathname)) {
      app += responseBodySize;
      apps += 1;
    }
  }
  const kb = (n) => `${Math.round(n / 1024)} KB`;
  console.log(`first visit ${path.padEnd(18)} WASM+JS+CSS ${kb(app).padStart(7)} in ${apps} files; everything ${kb(all)} in ${alls}; then, once interactive, ${kb(after)} in ${afters}`);
  // FILES=1 lists each file fetched before the page was interactive.
  if (process.env.FILES === "1") {
    for (const r of seen) {
      if (r.timing().startTime >= interactiveAt) continue;
      const { responseBodySize } = await r.sizes();
      console.log(`  ${kb(responseBodySize).padStart(7)}  ${r.url().replace(base, "").slice(0, 100)}`);
    }
  }
  for (const p of problems) console.log(`  ${p}`);
  failed ||= problems.length > 0;
  await context.close();
}
await browser.close();
process.exit(failed ? 1 : 0);
