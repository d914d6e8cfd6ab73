import { test, expect, Browser, Page } from "@playwright/test";
import AxeBuilder from "@axe-core/playwright";
import { createToken, createUser, hydrated, signInOk, uniqueName } from "./helpers";

// Every page, in the light and the dark theme, checked by axe-core against
// WCAG 2.1 A and AA (contrast, labels, names, landmarks, ARIA): 0 violations.
const WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

const PUBLIC_PAGES = [
  "/login",
  "/forgot-password",
  "/reset-password?token=0000",
  "/confirm-email?token=0000",
  "/unsubscribe?token=0000",
  "/no-such-page",
];

const SIGNED_IN_PAGES = [
  "/settings/profile",
  "/settings/password",
  "/settings/sessions",
  "/settings/two-factor",
  "/settings/passkeys",
  "/settings/tokens",
  "/settings/app-passwords",
  "/settings/notifications",
  "/notifications",
  "/settings/security-log",
  "/settings/account",
  "/admin/users",
  "/admin/tokens",
  "/admin/audit",
  "/admin/workspace",
];

/** A browser context whose theme cookie is set, as the theme switcher sets it. */
async function themed(browser: Browser, theme: "light" | "dark"): Promise<Page> {
  const context = await browser.newContext({ colorScheme: theme });
  const base = new URL(process.env.BASE_URL ?? "http://localhost:3000");
  await context.addCookies([{ name: "tessera_theme", value: theme, domain: base.hostname, path: "/" }]);
  return context.newPage();
}

/** The page's violations, one line each with the offending elements, for a readable failure. */
async function violations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).withTags(WCAG).analyze();
  return results.violations.map(
    (v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`,
  );
}

async function scan(page: Page, path: string, theme: string) {
  await page.goto(path);
  await hydrated(page);
  await expect(page.locator("html")).toHaveAttribute("data-theme", theme);
  expect(await violations(page), `${path} (${theme})`).toEqual([]);
}

for (const theme of ["light", "dark"] as const) {
  test(`public pages have no WCAG 2.1 AA violations (${theme})`, async ({ browser }) => {
    const page = await themed(browser, theme);
    for (const path of PUBLIC_PAGES) await scan(page, path, theme);
    await page.context().close();
  });

  test(`signed-in and admin pages have no WCAG 2.1 AA violations (${theme})`, async ({ browser }) => {
    test.setTimeout(120_000);
    const admin = uniqueName(`a11y-${theme}`);
    createUser(admin, "right-horse-42", ["--admin"]);
    const page = await themed(browser, theme);
    await signInOk(page, admin, "right-horse-42");
    // Lists with a row in them, not just their empty states.
    await createToken(page, "a11y", false);
    for (const path of SIGNED_IN_PAGES) await scan(page, path, theme);
    await page.context().close();
  });
}
