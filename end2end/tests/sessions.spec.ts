import { test, expect } from "@playwright/test";
import { createUser, hydrated, signInOk, uniqueName, openSection } from "./helpers";

test("signing out another device takes its access away", async ({ browser }) => {
  const name = uniqueName("devices");
  createUser(name, "right-horse-42");
  const laptop = await browser.newContext();
  const phone = await browser.newContext({ userAgent: "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0" });
  const a = await laptop.newPage();
  const b = await phone.newPage();
  await signInOk(a, name, "right-horse-42");
  await signInOk(b, name, "right-horse-42");

  await openSection(a, "Devices & sessions");
  await expect(a).toHaveURL(/:\d+\/settings\/sessions$/);
  const items = a.getByRole("list", { name: "Sessions" }).getByRole("listitem");
  await expect(items).toHaveCount(2);
  await expect(items.filter({ hasText: "This device" })).toHaveCount(1);
  const other = items.filter({ hasText: "Firefox 128 on Linux" });
  await expect(other).toHaveCount(1);
  await a.screenshot({ path: "test-results/sessions.png", fullPage: true });

  await other.getByRole("button", { name: /Sign out/ }).click();
  await expect(a.getByRole("status")).toContainText("The device was signed out.");
  await expect(items).toHaveCount(1);

  // The other browser has lost access: its next page load asks it to sign in.
  await b.reload();
  await expect(b).toHaveURL(/\/login\?next=/);
  await laptop.close();
  await phone.close();
});

test("sign out all other sessions", async ({ browser }) => {
  const name = uniqueName("others");
  createUser(name, "right-horse-42");
  const contexts = await Promise.all([browser.newContext(), browser.newContext(), browser.newContext()]);
  const pages = await Promise.all(contexts.map((c) => c.newPage()));
  for (const p of pages) await signInOk(p, name, "right-horse-42");
  await pages[0].goto("/settings/sessions");
  await hydrated(pages[0]);
  await pages[0].getByRole("button", { name: "Sign out all other sessions" }).click();
  await expect(pages[0].getByRole("status")).toContainText("Signed out 2 other session(s).");
  await expect(pages[0].getByRole("list", { name: "Sessions" }).getByRole("listitem")).toHaveCount(1);
  for (const p of pages.slice(1)) {
    await p.reload();
    await expect(p).toHaveURL(/\/login/);
  }
  for (const c of contexts) await c.close();
});
