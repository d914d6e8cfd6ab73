import { defineConfig, devices } from "@playwright/test";

// Browsers cannot be downloaded here (`npx playwright install` fails): use Debian's Chromium.
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export default defineConfig({
  testDir: "./tests",
  // A hang detector, not a speed limit: several specs drive two or three fresh
  // browsers, each compiling the 21 MB debug WASM (15-20 s here under load,
  // more on a slower CI machine). Specs that repeat whole visits in a loop set
  // their own budget per round (helpers.ts, ROUND_MS).
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: 0,
  workers: 1,
  reporter: [["list"]],
  outputDir: "test-results",
  use: {
    baseURL: process.env.BASE_URL ?? "http://localhost:3000",
    screenshot: "only-on-failure",
    trace: "off",
  },
  projects: [
    {
      name: "chromium",
      use: {
        ...devices["Desktop Chrome"],
        launchOptions: {
          executablePath: CHROMIUM,
          args: [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
          ],
        },
      },
    },
  ],
});
