import { test, expect } from "@playwright/test";
import { createUser, hydrated, signInOk, uniqueName } from "./helpers";

test("choosing German switches the whole interface at once and sticks", async ({ page }) => {
  const name = uniqueName("sprache");
  createUser(name, "right-horse-42");
  await signInOk(page, name, "right-horse-42");

  await page.getByLabel("Language of the interface").selectOption("de");
  await page.getByRole("button", { name: "Save language" }).click();
  // No reload: the page re-renders in German.
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Profil");
  await expect(page.getByRole("status")).toContainText("Sprache gespeichert.");
  await expect(page.locator("html")).toHaveAttribute("lang", "de");
  await expect(page.getByRole("link", { name: "Geräte & Sitzungen" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Namen speichern" })).toBeVisible();
  await expect(page.locator("#display_name-hint")).toHaveText("Für andere sichtbar. Leer lassen, um Vor- und Nachnamen zu verwenden.");
  await page.screenshot({ path: "test-results/profile-de.png", fullPage: true });

  // Checks in the form speak German…
  await page.getByLabel("Nachname").fill("x".repeat(101));
  await expect(page.locator("#last_name-error")).toHaveText("Verwende höchstens 100 Zeichen.");
  await page.getByLabel("Nachname").fill("Lovelace");
  // …and so does the server.
  await page.getByLabel("Telefon (optional)").fill("030 1234567");
  await page.getByRole("button", { name: "Kontaktdaten speichern" }).click();
  await expect(page.locator("#phone-error")).toHaveText("Beginne mit der Ländervorwahl, z. B. +49 30 1234567.");

  // Every page, also after a reload (the choice lives with the account).
  await page.getByRole("link", { name: "Passwort", exact: true }).click();
  await expect(page.getByRole("heading", { name: "Passwort ändern" })).toBeVisible();
  await page.getByLabel("Neues Passwort", { exact: true }).fill("abc");
  await expect(page.locator("#password-rules")).toContainText("Verwende mindestens 8 Zeichen.");
  await page.goto("/settings/sessions");
  await hydrated(page);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Geräte & Sitzungen");
  await expect(page.getByText("Dieses Gerät")).toBeVisible();
  await expect(page.getByText(/angemeldet \d\d\.\d\d\.\d{4} \d\d:\d\d/)).toBeVisible();

  // Back to English: the workspace default.
  await page.goto("/settings/profile");
  await hydrated(page);
  await page.getByLabel("Sprache der Oberfläche").selectOption("");
  await page.getByRole("button", { name: "Sprache speichern" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Profile");
  await expect(page.locator("html")).toHaveAttribute("lang", "en");
});

test.describe("a German browser", () => {
  test.use({ locale: "de-DE" });

  test("gets the sign-in page and its errors in German", async ({ page }) => {
    await page.goto("/login");
    await hydrated(page);
    await expect(page.locator("html")).toHaveAttribute("lang", "de");
    await expect(page.getByText("Melde dich an, um dein Konto zu verwalten.")).toBeVisible();
    await page.getByLabel("Benutzername oder E-Mail").fill("nobody-here");
    await page.getByLabel("Passwort").fill("wrong-horse-42");
    await page.getByRole("button", { name: "Anmelden", exact: true }).click();
    await expect(page.getByRole("alert")).toHaveText("Benutzername oder Passwort ist falsch.");
    await expect(page.getByRole("link", { name: "Passwort vergessen?" })).toBeVisible();
  });
});
