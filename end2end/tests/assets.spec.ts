import { test, expect } from "@playwright/test";
import { createUser, hydrated, signInOk, uniqueName } from "./helpers";

// The built front end is served as a CDN would: names that change with the
// contents, cached for a year; compressed copies (release builds) sent to a
// browser that accepts them; pages themselves never cached.

test("built files are named by their contents and cached for a year; pages never", async ({ request }) => {
  const page = await request.get("/login", { maxRedirects: 0 });
  expect(page.headers()["cache-control"]).toBe("no-store");
  const html = await page.text();
  // Every file named in the page: its tags' attributes and the boot script's
  // arguments.
  const all = [...new Set([...html.matchAll(/["'](\/pkg\/[^"'?]+\.(?:js|wasm|css|bin)(?:\?m=[^"']*)?)["']/g)].map((m) => m[1]))];
  const assets = all.filter((a) => !a.includes("*"));
  const named = all.map((a) => a.replace(/\.[A-Za-z0-9_-]{22}\./, ".HASH.").replace(/^\/pkg\/pack\/[A-Za-z0-9_-]{22}\.bin/, "/pkg/pack/BUILD.bin"));
  // The shell (WASM, its JS, the style sheet), the split loader, and announced:
  // the sign-in page's pack (its own module and the shared chunks it needs, in
  // one file); nothing of the signed-in frame's, and no module by itself.
  for (const shell of ["/pkg/tessera.HASH.css", "/pkg/tessera.HASH.js", "/pkg/tessera.HASH.wasm", "/pkg/__wasm_split.HASH.js"]) {
    expect(named).toContain(shell);
  }
  // The boot script names the address of a pack, "*" for its modules: a page
  // reached inside the app has those it lacks fetched in one.
  expect(named).toContain("/pkg/pack/BUILD.bin?m=*");
  const packs = named.filter((a) => a.startsWith("/pkg/pack/") && !a.includes("*"));
  expect(packs).toHaveLength(2);
  const meta = (which: string) => html.match(new RegExp(`<meta name="${which}" content="(/pkg/pack/[^"]+)"`))![1];
  const inPack = meta("tessera-module").split("?m=")[1].split(",");
  expect(meta("tessera-module")).toMatch(/^\/pkg\/pack\/[A-Za-z0-9_-]{22}\.bin\?m=[A-Za-z0-9_,-]+$/);
  expect(inPack).toContainEqual(expect.stringMatching(/^split___login_view_\d+$/));
  expect(inPack.filter((m) => m.startsWith("split_"))).toHaveLength(1);
  // And, to be fetched once the page is interactive, the pack of what signing
  // in leads to: the signed-in frame and the profile.
  const next = meta("tessera-next").split("?m=")[1].split(",");
  expect(next.filter((m) => m.startsWith("split_")).sort()).toEqual([
    expect.stringMatching(/^split___profile_view_\d+$/),
    expect.stringMatching(/^split___signed_in_view_\d+$/),
  ]);
  expect(named.filter((a) => a.endsWith(".wasm"))).toEqual(["/pkg/tessera.HASH.wasm"]);
  for (const asset of assets) {
    const r = await request.get(asset, { headers: { "Accept-Encoding": "br, gzip" } });
    expect(r.status(), asset).toBe(200);
    expect(r.headers()["cache-control"], asset).toBe("public, max-age=31536000, immutable");
    const encoding = r.headers()["content-encoding"];
    if (encoding) {
      // A release build's precompressed copy: one the browser asked for, and
      // caches told that the answer depends on what was asked.
      expect(["br", "gzip"]).toContain(encoding);
      expect(r.headers()["vary"]?.toLowerCase()).toContain("accept-encoding");
    }
    const plain = await request.get(asset, { headers: { "Accept-Encoding": "identity" } });
    expect(plain.headers()["content-encoding"], asset).toBeUndefined();
    // A pack is made compressed only (src/boot.js then fetches its modules
    // one by one); every other file is there plain too.
    expect(plain.status(), asset).toBe(asset.startsWith("/pkg/pack/") ? 406 : 200);
  }
  // The split loader comes written compactly (server/infra/loader.rs): each
  // module fetched by its name from the build's address, no content-hashed
  // file named, and a fraction of the loader as built.
  const pack = assets.find((a) => a.startsWith("/pkg/pack/"))!;
  const build = pack.match(/^\/pkg\/pack\/([A-Za-z0-9_-]{22})\.bin/)![1];
  const loader = assets.find((a) => a.startsWith("/pkg/__wasm_split."))!;
  const code = await (await request.get(loader)).text();
  expect(code).toContain(`new URL("./m/${build}/" + name + ".wasm", import.meta.url)`);
  expect(code).not.toMatch(/[A-Za-z0-9_-]{22}\.wasm/);
  expect(code).not.toMatch(/\/\*/);
  expect(code.length).toBeLessThan(60_000);
  expect(code).toContain(`__tessera_m("${inPack.find((m) => m.startsWith("split_"))}")`);
  // A module at that address: the build's file, cached for a year, and
  // compressed when the browser takes it.
  for (const encoding of ["br", "identity"]) {
    const module = await request.get(`/pkg/m/${build}/${inPack[0]}.wasm`, { headers: { "Accept-Encoding": encoding } });
    expect(module.status()).toBe(200);
    expect(module.headers()["content-type"]).toBe("application/wasm");
    expect(module.headers()["cache-control"]).toBe("public, max-age=31536000, immutable");
    // (Release builds have precompressed copies; debug builds none.)
    expect(encoding === "br" ? [undefined, "br"] : [undefined]).toContain(module.headers()["content-encoding"]);
    if (encoding === "identity") expect([...(await module.body()).subarray(0, 4)]).toEqual([0, 97, 115, 109]);
  }
  // A name that is not (or no longer) there is not cached.
  for (const address of [
    "/pkg/tessera.AAAAAAAAAAAAAAAAAAAAAA.js",
    // Another build's pack, and one of a module of none.
    pack.replace(/^\/pkg\/pack\/[A-Za-z0-9_-]{22}/, "/pkg/pack/AAAAAAAAAAAAAAAAAAAAAA"),
    pack + ",chunk_999999",
    // Another build's module, a module of none, a module's name without ".wasm".
    `/pkg/m/AAAAAAAAAAAAAAAAAAAAAA/${inPack[0]}.wasm`,
    `/pkg/m/${build}/chunk_999999.wasm`,
    `/pkg/m/${build}/${inPack[0]}`,
  ]) {
    const gone = await request.get(address);
    expect(gone.status(), address).toBe(404);
    expect(gone.headers()["cache-control"], address).toBe("no-store");
  }
});

// A signed-in page is sent gzip-compressed (47 KB of HTML for the profile,
// 12 KB as sent) to the browser's own requests, and uncompressed when
// another site sends the browser there: otherwise that site could read the
// page's details off the sizes of answers to guesses of its own (BREACH).
test("a signed-in page comes compressed, but not to another site's link", async ({ page, baseURL }) => {
  const name = uniqueName("gzip");
  createUser(name, "right-horse-42");
  await signInOk(page, name, "right-horse-42");
  const typed = await page.goto("/settings/profile");
  expect(typed?.status()).toBe(200);
  expect(await typed?.headerValue("content-encoding")).toBe("gzip");
  await hydrated(page);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Profile");
  // A link on another site: the browser still sends the session cookie
  // (SameSite=Lax lets a followed link through), and says where it came from.
  await page.route("http://elsewhere.test/", (route) =>
    route.fulfill({ contentType: "text/html", body: `<a href="${baseURL}/settings/profile">profile</a>` }),
  );
  await page.goto("http://elsewhere.test/");
  // Nothing intercepted from here on: the request below is the browser's own.
  await page.unrouteAll();
  const [followed] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith("/settings/profile") && r.request().isNavigationRequest()),
    page.getByRole("link", { name: "profile" }).click(),
  ]);
  expect(followed.status()).toBe(200);
  expect((await followed.request().allHeaders())["sec-fetch-site"]).toBe("cross-site");
  expect(await followed.headerValue("content-encoding")).toBeNull();
  await hydrated(page);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Profile");
});

// The sign-in page holds nobody's secret (its nonce changes with every
// answer), and is rendered whole too: sent compressed to the person's own
// request; with a query (which a page may echo) it is not.
test("the sign-in page comes compressed, but not with a query", async ({ page }) => {
  const opened = await page.goto("/login");
  expect(opened?.status()).toBe(200);
  expect(await opened?.headerValue("content-encoding")).toBe("gzip");
  await hydrated(page);
  await expect(page.getByRole("button", { name: "Sign in", exact: true })).toBeEnabled();
  const asked = await page.goto("/login?next=%2Fsettings%2Ftokens");
  expect(asked?.status()).toBe(200);
  expect(await asked?.headerValue("content-encoding")).toBeNull();
  await hydrated(page);
});

// A signed-in page is rendered whole before it is sent (its data awaited), and
// names its own pack in its <head> too, so the browser fetches its modules
// beside the shell rather than after it: every time, not only when Leptos finds
// its manifest (which, for these pages, it rarely did). Nothing of the app is
// fetched before the page has been painted (src/boot.js).
test("a signed-in page fetches its modules in one pack after the first paint, every time", async ({ page }) => {
  const name = uniqueName("preload");
  createUser(name, "right-horse-42");
  await signInOk(page, name, "right-horse-42");
  for (const [path, view] of [["/settings/profile", "profile"], ["/settings/tokens", "tokens"], ["/settings/sessions", "sessions"]]) {
    for (let i = 0; i < 3; i++) {
      const r = await page.request.get(path, { maxRedirects: 0 });
      expect(r.status(), path).toBe(200);
      const head = (await r.text()).split("</head>")[0];
      // No preload the browser would act on before the paint: the app's files
      // are announced, and src/boot.js asks for them once the page is painted.
      expect(head, path).not.toMatch(/<link\b[^>]*rel="(module)?preload"/);
      const announced = [...head.matchAll(/<meta name="tessera-module" content="([^"]+)"/g)].map((m) => m[1]);
      expect(announced, `${path} #${i}`).toEqual([
        expect.stringMatching(/^\/pkg\/__wasm_split\.[A-Za-z0-9_-]{22}\.js$/),
        // One pack: the page's modules and the signed-in frame's.
        expect.stringMatching(
          new RegExp(`^/pkg/pack/[A-Za-z0-9_-]{22}\\.bin\\?m=(?=(?:.*,)?split___${view}_view_\\d+(?:,|$))(?=(?:.*,)?split___signed_in_view_\\d+(?:,|$))[A-Za-z0-9_,-]+$`),
        ),
      ]);
    }
  }
  // The page's modules come in its pack, once: the loader asks for none of
  // them over the network, and the browser does not warn of a preload left
  // unused.
  const asked: string[] = [];
  const warnings: string[] = [];
  page.on("request", (r) => {
    const { pathname, search } = new URL(r.url());
    // (A module by itself: by name from the build's address, or by its file.)
    if (pathname.startsWith("/pkg/pack/") || /^\/pkg\/(m\/[A-Za-z0-9_-]{22}\/)?(split|chunk)_/.test(pathname)) asked.push(pathname + search);
  });
  page.on("console", (m) => { if (m.text().includes("preload")) warnings.push(m.text()); });
  await page.goto("/settings/tokens");
  await hydrated(page);
  await expect(page.getByRole("button", { name: "Create token" })).toBeEnabled();
  // The pack was asked for by the page's script, after the first paint: every
  // file of the app (not the style sheet, which the paint needs) was.
  const timing = await page.evaluate(() => ({
    paint: performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? -1,
    app: performance
      .getEntriesByType("resource")
      .filter((r) => new URL(r.name).pathname.startsWith("/pkg/") && !r.name.endsWith(".css"))
      .map((r) => [new URL(r.name).pathname, r.startTime] as [string, number]),
  }));
  expect(timing.paint).toBeGreaterThan(0);
  expect(timing.app.map(([file]) => file.replace(/\.[A-Za-z0-9_-]{22}\./, ".HASH.")).sort()).toEqual(
    expect.arrayContaining(["/pkg/__wasm_split.HASH.js", "/pkg/tessera.HASH.js", "/pkg/tessera.HASH.wasm"]),
  );
  for (const [file, start] of timing.app) expect(start, file).toBeGreaterThanOrEqual(timing.paint);
  await page.waitForTimeout(3500);
  expect(asked).toEqual([expect.stringMatching(/^\/pkg\/pack\/[A-Za-z0-9_-]{22}\.bin\?m=.*\bsplit___tokens_view_\d+\b/)]);
  expect(warnings).toEqual([]);
});

// A page reached inside the app gets the modules it lacks in one pack too,
// when they are more than one round of requests (after the profile, the
// tokens page lacks some 30); the pack holds nothing loaded already, and fewer
// missing modules come one by one. (Signing in loads the profile in full, as a
// page of the new session: with its pack, the shell cached.)
test("signing in, then moving between pages, fetches each page's modules in one pack", async ({ page }) => {
  const name = uniqueName("inapp");
  createUser(name, "right-horse-42");
  const packOf = (address: string) => address.split("?m=")[1].split(",");
  const loginPacks: string[] = [];
  const onLogin = (r: { url(): string }) => {
    const { pathname, search } = new URL(r.url());
    if (pathname.startsWith("/pkg/pack/")) loginPacks.push(pathname + search);
  };
  page.on("request", onLogin);
  await page.goto("/login");
  await hydrated(page);
  // The sign-in page's pack; then, once the page is interactive, the pack of
  // what signing in leads to (the signed-in frame and the profile). The
  // modules of both are kept in the browser (Cache Storage).
  await expect.poll(() => loginPacks.length).toBe(2);
  const [own, next] = loginPacks.map(packOf);
  expect(own).toContainEqual(expect.stringMatching(/^split___login_view_\d+$/));
  expect(next).toContainEqual(expect.stringMatching(/^split___profile_view_\d+$/));
  expect(next).toContainEqual(expect.stringMatching(/^split___signed_in_view_\d+$/));
  // (Kept whole, each under its address, which names its modules.)
  const keptModules = () =>
    page.evaluate(async () => {
      const kept = new Set();
      for (const name of await caches.keys()) {
        if (!name.startsWith("tessera-modules-")) continue;
        for (const pack of await (await caches.open(name)).keys()) {
          for (const module of (new URL(pack.url).searchParams.get("m") ?? "").split(",")) kept.add(module);
        }
      }
      return kept.size;
    });
  await expect.poll(keptModules).toBe(new Set([...own, ...next]).size);
  page.off("request", onLogin);
  const asked: string[] = [];
  page.on("request", (r) => {
    const { pathname, search } = new URL(r.url());
    if (/^\/pkg\/(pack\/|m\/|split_|chunk_|tessera\.)/.test(pathname)) asked.push(pathname.replace(/\.[A-Za-z0-9_-]{22}\./, ".HASH.") + search);
  });
  const documents: string[] = [];
  page.on("response", (r) => {
    if (r.request().resourceType() === "document") documents.push(new URL(r.url()).pathname);
  });
  await page.getByLabel("Username or email").fill(name);
  await page.getByLabel("Password").fill("right-horse-42");
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page).toHaveURL(/\/settings\/profile$/);
  await hydrated(page);
  expect(documents).toEqual(["/settings/profile"]);
  // The profile (loaded in full, as a page of the new session) names the
  // pack of its modules and the signed-in frame's, but they were all kept:
  // nothing of the app is fetched (the shell is in the browser's cache).
  const profileHead = (await (await page.request.get("/settings/profile")).text()).split("</head>")[0];
  const announced = packOf(profileHead.match(/<meta name="tessera-module" content="(\/pkg\/pack\/[^"]+)"/)![1]);
  expect(announced).toContainEqual(expect.stringMatching(/^split___signed_in_view_\d+$/));
  expect(asked.filter((a) => !a.startsWith("/pkg/tessera."))).toEqual([]);
  asked.length = 0;
  await page.getByRole("link", { name: "API tokens", exact: true }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("API tokens");
  await page.getByLabel("Name", { exact: true }).fill("from the pack");
  await page.getByRole("button", { name: "Create token" }).click();
  const shown = page.getByRole("dialog", { name: "Your new token" });
  await expect(shown).toBeVisible();
  await shown.getByRole("button", { name: "Done" }).click();
  await expect(shown).toBeHidden();
  // A pack of exactly the modules the tokens page lacked: its own, and none
  // loaded already (the frame's, the profile's).
  expect(asked).toEqual([expect.stringMatching(/^\/pkg\/pack\/[A-Za-z0-9_-]{22}\.bin\?m=.*\bsplit___tokens_view_\d+\b/)]);
  expect(asked[0]).not.toMatch(/split___(signed_in|profile)_view_/);
  // Every other page: a pack, or at most one round of its modules.
  for (const link of ["Devices & sessions", "Password", "Passkeys & security keys", "Notifications", "Security log", "Account"]) {
    asked.length = 0;
    await page.getByRole("link", { name: link, exact: true }).click();
    await expect(page.getByRole("heading", { level: 1 })).toHaveText(link);
    const packs = asked.filter((a) => a.startsWith("/pkg/pack/"));
    // (Each page's own module, at least, was still missing.)
    if (packs.length > 0) expect(asked, link).toHaveLength(1);
    else expect(asked.length, link).toBeGreaterThan(0);
    if (packs.length === 0) expect(asked.length, link).toBeLessThanOrEqual(6);
  }
  // All of it inside the app: no page was loaded in full after the profile.
  expect(documents).toEqual(["/settings/profile"]);
});

// Should the pack not arrive (a dropped connection; a server updated since the
// page was sent), or arrive broken, the page's modules are fetched one by one,
// and the page works: opened in full, or reached inside the app.
test("a page whose pack cannot be fetched, is cut short or hangs loads its modules one by one", async ({ page }) => {
  const name = uniqueName("nopack");
  createUser(name, "right-horse-42");
  await signInOk(page, name, "right-horse-42");
  const cdp = await page.context().newCDPSession(page);
  for (const broken of ["dropped", "cut short", "stalled"]) {
    // The modules fetched one by one the first time come from the network again.
    await cdp.send("Network.clearBrowserCache");
    let asked = 0;
    await page.route(/\/pkg\/pack\//, async (route) => {
      asked++;
      if (broken === "dropped") return route.abort("connectionreset");
      // A connection that hangs: no answer ever (given up after 15 s).
      if (broken === "stalled") return new Promise<void>(() => {});
      // The pack's start: a module's name and a length beyond the end.
      return route.fulfill({ status: 200, contentType: "application/octet-stream", body: Buffer.from([1, 97, 255, 255, 0, 0, 0, 97, 115, 109]) });
    });
    const modules: string[] = [];
    const onRequest = (r: { url(): string }) => {
      if (/\/pkg\/m\/[A-Za-z0-9_-]{22}\/split___tokens_view_\d+\.wasm$/.test(r.url())) modules.push(r.url());
    };
    page.on("request", onRequest);
    await page.goto("/settings/tokens");
    await expect(page.locator("#app")).toHaveAttribute("data-hydrated", "true", { timeout: 30_000 });
    page.off("request", onRequest);
    await page.unrouteAll();
    expect(asked, broken).toBe(1);
    expect(modules, broken).toHaveLength(1);
  }
  await page.goto("/settings/profile");
  await hydrated(page);
  let refused = 0;
  await page.route(/\/pkg\/pack\/.*\bsplit___tokens_view_/, (route) => {
    refused++;
    return route.abort("connectionreset");
  });
  const modules: string[] = [];
  page.on("request", (r) => {
    if (/\/pkg\/m\/[A-Za-z0-9_-]{22}\/split___tokens_view_\d+\.wasm$/.test(r.url())) modules.push(r.url());
  });
  const documents: string[] = [];
  page.on("response", (r) => {
    if (r.request().resourceType() === "document") documents.push(new URL(r.url()).pathname);
  });
  await page.getByRole("link", { name: "API tokens", exact: true }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("API tokens");
  await page.getByLabel("Name", { exact: true }).fill("from single modules");
  await page.getByRole("button", { name: "Create token" }).click();
  await expect(page.getByRole("dialog", { name: "Your new token" })).toBeVisible();
  expect(refused).toBe(1);
  expect(modules).toHaveLength(1);
  expect(documents).toEqual([]);
});

// Each page is a module of its own, fetched when first shown. A tab opened
// before a new release asks for the old build's pack and module, which are
// gone: the app then loads the page it was going to in full (from the current
// release) instead of dying on the spot.
test("a page whose module cannot be fetched is loaded in full instead", async ({ page }) => {
  const name = uniqueName("module");
  createUser(name, "right-horse-42");
  await signInOk(page, name, "right-horse-42");
  let refused = 0;
  await page.route(/\/pkg\/m\/[A-Za-z0-9_-]{22}\/split___tokens_view_\d+\.wasm$/, async (route) => {
    if (refused++ === 0) await route.fulfill({ status: 404, body: "" });
    else await route.continue();
  });
  const packs: number[] = [];
  await page.route(/\/pkg\/pack\/.*\bsplit___tokens_view_/, async (route) => {
    packs.push(packs.length === 0 ? 404 : 200);
    if (packs.length === 1) await route.fulfill({ status: 404, body: "" });
    else await route.continue();
  });
  const documents: string[] = [];
  page.on("response", (r) => {
    if (r.request().resourceType() === "document") documents.push(new URL(r.url()).pathname);
  });
  await page.getByRole("link", { name: "API tokens", exact: true }).click();
  await expect(page).toHaveURL(/\/settings\/tokens$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("API tokens");
  await hydrated(page);
  // The app asked for the page's pack, then (refused) for its modules one by
  // one; the page loaded in full got its module in its pack.
  expect(refused).toBe(1);
  expect(packs).toEqual([404, 200]);
  expect(documents).toContain("/settings/tokens");
  // The page works: its form answers.
  await expect(page.getByRole("button", { name: "Create token" })).toBeEnabled();
});

// A link opened in another tab (Ctrl-click, here while this tab's page is
// still loading) is not where this tab is going: should the page's module
// then fail, this tab loads its own address again (the fragment kept), and the
// other tab is left alone.
test("a failed module reloads this tab's page, not the link opened in another tab", async ({ page, context }) => {
  const name = uniqueName("newtab");
  createUser(name, "right-horse-42");
  await signInOk(page, name, "right-horse-42");
  const documents: string[] = [];
  page.on("response", (r) => {
    if (r.request().resourceType() === "document") documents.push(new URL(r.url()).pathname);
  });
  // The password page's modules (their pack, then each alone) are held until
  // the other tab is open, then refused; once the page is loaded again, served.
  let open!: () => void;
  const clicked = new Promise<void>((go) => (open = go));
  let refused = 0;
  await page.route(/\/pkg\/(m\/[A-Za-z0-9_-]{22}\/|pack\/.*\b)split___password_view_/, async (route) => {
    if (documents.length > 1) return route.continue();
    await clicked;
    refused++;
    // (A request of the page already left behind can no longer be answered.)
    await route.fulfill({ status: 404, body: "" }).catch(() => {});
  });
  await page.goto("/settings/password#current_password", { waitUntil: "domcontentloaded" });
  const opened = context.waitForEvent("page");
  await page.getByRole("link", { name: "API tokens", exact: true }).click({ modifiers: ["Control"] });
  const other = await opened;
  await expect(other).toHaveURL(/\/settings\/tokens$/);
  open();
  await expect.poll(() => documents.length).toBe(2);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Password");
  await hydrated(page);
  expect(refused).toBeGreaterThanOrEqual(1);
  expect(documents).toEqual(["/settings/password", "/settings/password"]);
  await expect(page).toHaveURL(/\/settings\/password#current_password$/);
  await expect(other).toHaveURL(/\/settings\/tokens$/);
});

// Back or forward through the history is not a click: should the page reached
// that way fail to get its module, that page is loaded in full (the fragment
// kept), not the link clicked before it.
test("a failed module after back or forward reloads the page the history went to", async ({ page }) => {
  const name = uniqueName("history");
  createUser(name, "right-horse-42");
  await signInOk(page, name, "right-horse-42");
  await page.getByRole("link", { name: "API tokens", exact: true }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("API tokens");
  let refused = 0;
  await page.route(/\/pkg\/(m\/[A-Za-z0-9_-]{22}\/|pack\/.*\b)split___password_view_/, async (route) => {
    if (refused++ < 2) await route.fulfill({ status: 404, body: "" });
    else await route.continue();
  });
  const documents: string[] = [];
  page.on("response", (r) => {
    if (r.request().resourceType() === "document") documents.push(new URL(r.url()).pathname);
  });
  // Back or forward to a page this tab has not loaded yet: the router follows
  // the address (no click involved).
  await page.evaluate(() => {
    history.pushState(null, "", "/settings/password#current_password");
    dispatchEvent(new PopStateEvent("popstate"));
  });
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Password");
  await hydrated(page);
  expect(refused).toBeGreaterThanOrEqual(2);
  expect(documents).toEqual(["/settings/password"]);
  await expect(page).toHaveURL(/\/settings\/password#current_password$/);
});

// The shell itself can fail to arrive (a dropped connection; a server updated
// since the page was sent): the page is loaded again, once, and then works.
test("a page whose app cannot be fetched is loaded again, once, and then starts", async ({ page }) => {
  const name = uniqueName("shell");
  createUser(name, "right-horse-42");
  await signInOk(page, name, "right-horse-42");
  let refused = 0;
  await page.route(/\/pkg\/tessera[^/]*\.js$/, async (route) => {
    if (refused++ === 0) await route.abort("connectionreset");
    else await route.continue();
  });
  const documents: string[] = [];
  page.on("response", (r) => {
    if (r.request().resourceType() === "document") documents.push(new URL(r.url()).pathname);
  });
  await page.goto("/settings/password");
  await hydrated(page);
  expect(refused).toBe(2);
  expect(documents).toEqual(["/settings/password", "/settings/password"]);
});

test("a page whose app never arrives is loaded again only once, and stays readable", async ({ page }) => {
  const name = uniqueName("noshell");
  createUser(name, "right-horse-42");
  await signInOk(page, name, "right-horse-42");
  let aborted = 0;
  await page.route(/\/pkg\/tessera[^/]*\.js$/, (route) => {
    aborted++;
    return route.abort("connectionreset");
  });
  const documents: string[] = [];
  page.on("response", (r) => {
    if (r.request().resourceType() === "document") documents.push(new URL(r.url()).pathname);
  });
  await page.goto("/settings/password");
  await expect.poll(() => aborted).toBe(2);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Password");
  // Time for a third load to start, had one been asked for.
  await page.waitForTimeout(1000);
  expect(aborted).toBe(2);
  expect(documents).toEqual(["/settings/password", "/settings/password"]);
  await expect(page.locator("#app")).toHaveAttribute("data-hydrated", "false");
});
