// Starts the app once the page has been painted (written into each page by
// `app::BootScript`, with the addresses of the app's JS and WASM, the
// session-storage key of a page already reloaded, and the address of a pack
// with "*" for the modules it holds, or "" for a build that is not split).
//
// The page arrives rendered, so it can be read before any WebAssembly runs.
// The app (the shell's JS and WASM, the split loader and the open page's
// modules in one pack, named by the server in <meta name="tessera-module">,
// `split::Split`) is fetched only after the first
// paint: on a slow network it does not compete with what is painted, and the
// paint never waits for it. Once the shell has loaded, the page is hydrated
// (it becomes interactive when its own module is in: #app[data-hydrated]).
//
// The page gets this file without its comment lines and indentation
// (`assets::boot_script`): keep every comment on lines of its own, and no
// string or template literal across lines.
(function (js, wasm, reloaded, packTemplate) {
	const hydrated = () => document.getElementById("app")?.dataset.hydrated === "true";
	// The address of this site's link last clicked: where the person was
	// going (capture phase: seen before the app's router takes the click).
	let lastLink = null;
	document.addEventListener(
		"click",
		(event) => {
			const a = event.target instanceof Element ? event.target.closest("a[href]") : null;
			if (!(a instanceof HTMLAnchorElement)) return;
			// A link this tab does not follow (opened in another tab or window,
			// or downloaded) leaves it as it was: the page it opens elsewhere is
			// not where this tab is going.
			const elsewhere = event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey;
			if (elsewhere || (a.target !== "" && a.target !== "_self") || a.hasAttribute("download")) return;
			// A link to another site must never become where this tab is sent.
			lastLink = a.origin === location.origin ? a.href : null;
		},
		true,
	);
	// Back or forward through the history: the browser has already set the
	// address this tab is going to, and a link clicked earlier is no longer it.
	addEventListener("popstate", () => {
		lastLink = null;
	});
	// A page's module that cannot be fetched (a new release replaced the files
	// this tab was built against, or the network dropped it) leaves the app in
	// this tab dead. The page the person was going to (the link last clicked,
	// else this one) is then loaded in full, from the current release: once per
	// address until a page hydrates again (`components::browser::module_loads_work`),
	// so an unreachable server does not reload in a loop. Done here, where the
	// fetch fails, and not in a panic hook: a release build's panics abort at
	// once, without running one.
	const reloadOnce = (target) => {
		try {
			if (sessionStorage.getItem(reloaded) === target) return;
			sessionStorage.setItem(reloaded, target);
		} catch {
			return;
		}
		// The same address (a fragment too) only reloads when asked to.
		if (target === location.href) location.reload();
		else location.assign(target);
	};
	const moduleFailed = () => reloadOnce(lastLink || location.href);
	// Until then the browser would send a form of the app's (one without an
	// action of its own: they are sent by the app) by itself: to the page's own
	// address, which does not take it, or, for a form without method="post", as
	// a GET with every field, passwords too, in the address and the history. Such
	// a submit is held back (the form says aria-busy meanwhile), and the app
	// sends it once it runs (the last one only); forms the server answers itself
	// (the sign-in) still go.
	let held = null;
	document.addEventListener(
		"submit",
		(event) => {
			if (!event.target.hasAttribute("action") && !hydrated()) {
				event.preventDefault();
				held?.form.removeAttribute("aria-busy");
				held = { form: event.target, submitter: event.submitter };
				held.form.setAttribute("aria-busy", "true");
			}
		},
		true,
	);
	// What a person types or picks before then is kept: hydrating sets each
	// field the app controls to the app's (empty) state, and the app's state
	// knows nothing of a choice made meanwhile. The fields changed are noted, in
	// the order of their last change, and once the page is interactive each gets
	// its value back with the events the app listens to, so the app's state has
	// it too. (A chosen file stays chosen by itself, and cannot be set by a script.)
	const typed = new Map();
	const note = (event) => {
		const field = event.target;
		if ("value" in field && field.type !== "file" && !hydrated()) {
			typed.delete(field);
			typed.set(field, { value: field.value, checked: field.checked });
		}
	};
	document.addEventListener("input", note, true);
	document.addEventListener("change", note, true);
	const handOver = () => {
		document.removeEventListener("input", note, true);
		document.removeEventListener("change", note, true);
		for (const [noted, was] of typed) {
			// Hydrating keeps the page's elements; should one have been made
			// anew, its namesake is taken.
			const field = noted.isConnected ? noted : noted.id && document.getElementById(noted.id);
			if (!field) continue;
			try {
				field.value = was.value;
				if (typeof was.checked === "boolean") field.checked = was.checked;
				field.dispatchEvent(new Event("input", { bubbles: true }));
				field.dispatchEvent(new Event("change", { bubbles: true }));
			} catch (error) {
				console.error(error);
			}
		}
		typed.clear();
		if (held) {
			const { form, submitter } = held;
			held = null;
			form.removeAttribute("aria-busy");
			if (form.isConnected) {
				form.requestSubmit(submitter?.isConnected && submitter.form === form ? submitter : undefined);
			}
		}
	};
	let started = false;
	const start = () => {
		if (started) return;
		started = true;
		const hint = (href) => {
			const link = document.createElement("link");
			if (href.endsWith(".js")) {
				link.rel = "modulepreload";
			} else {
				link.rel = "preload";
				link.as = "fetch";
				link.type = "application/wasm";
				link.crossOrigin = "anonymous";
			}
			link.href = href;
			document.head.append(link);
		};
		// A page's modules (up to ~200, mostly a kilobyte or two each) come in
		// one file, a pack: over HTTP/1.1, six requests at a time, their round
		// trips rather than their bytes decided when a page could be used on a
		// phone's network. The split loader asks for the modules it lacks all
		// at once (one burst of fetch calls, the page's own module among them):
		// this wrapper answers such a burst from a pack. Every other file, and
		// any module a pack lacks or all of them should the pack fail, goes to
		// the network as usual.
		// - The open page's pack (the modules of the page and of the frame
		//   around it), named by the page, is fetched here at once, beside the
		//   shell, and answers the bursts until the page is interactive.
		// - A page reached inside the app has a pack fetched of exactly the
		//   modules the loader asks for, when they are more than one round of
		//   requests; fewer are fetched as they are.
		const named = [...document.head.querySelectorAll('meta[name="tessera-module"]')].map((m) => m.content);
		for (const href of named) {
			if (href.endsWith(".js")) hint(href);
		}
		const own = window.fetch;
		const unpack = (buffer) => {
			const bytes = new Uint8Array(buffer);
			const view = new DataView(buffer);
			const text = new TextDecoder();
			const found = new Map();
			let at = 0;
			while (at < bytes.length) {
				const name = text.decode(bytes.subarray(at + 1, at + 1 + bytes[at]));
				at += 1 + bytes[at];
				const size = view.getUint32(at, true);
				at += 4;
				if (at + size > bytes.length) throw new Error("a pack ends early");
				found.set(name.split(".")[0], bytes.subarray(at, at + size));
				at += size;
			}
			return found;
		};
		// Packs are kept in the browser's Cache Storage, whole, under their
		// address, which names their modules (a pack's modules are not in the
		// browser's cache, as modules fetched one by one are): a page loaded
		// later, in full or inside the app, asks for none of them again. Each
		// build's packs are kept apart, and older builds' dropped. Without
		// Cache Storage (a page not served over HTTPS or from this machine),
		// nothing is kept.
		const build = (packTemplate.match(/^\/pkg\/pack\/([A-Za-z0-9_-]+)\.bin\?/) || [])[1];
		const store = (async () => {
			if (!build || !window.caches) return null;
			const mine = "tessera-modules-" + build;
			for (const old of await caches.keys()) {
				if (old.startsWith("tessera-modules-") && old !== mine) caches.delete(old).catch(() => {});
			}
			return caches.open(mine);
		})().catch(() => null);
		// Cache Storage that does not answer (it can be slow to start on a
		// phone) is taken for nothing kept, rather than waited for.
		const within = (promise, ms, otherwise) => Promise.race([promise, new Promise((go) => setTimeout(() => go(otherwise), ms))]);
		// Written once the page is interactive, so that the writing does not
		// hold up its start.
		const toKeep = [];
		// Runs `work` once the browser is idle (within 2 s), in a task of its own.
		const later = (work) => (window.requestIdleCallback ? requestIdleCallback(work, { timeout: 2000 }) : setTimeout(work, 500));
		// Each call's writes start after the previous call's are done, and
		// its promise settles when all so far are (a pack that came in
		// meanwhile may have been written by another call).
		let writing = Promise.resolve();
		const keepNow = () => {
			const all = toKeep.splice(0);
			writing = writing.then(() => store.then((cache) => cache && Promise.allSettled(all.map(([href, buffer]) => cache.put(new URL(href, location.href).href, new Response(buffer)))))).catch(console.error);
			return writing;
		};
		const keep = (href, buffer) => {
			toKeep.push([href, buffer]);
			if (hydrated()) keepNow();
		};
		// A tab opened before the server was updated asks for packs of a
		// build the server no longer has: after the first 404 it asks for
		// none.
		let gone = false;
		// A pack whose download stops (a connection that hangs: no answer in
		// 15 s, or no byte of it for 8 s once it is coming) is given up like
		// one that failed: its modules come one by one, on other connections.
		const fetchPack = (href) => {
			const abort = new AbortController();
			let timer = 0;
			const alive = (ms) => {
				clearTimeout(timer);
				timer = setTimeout(() => abort.abort(new Error(href + ": stalled")), ms);
			};
			alive(15000);
			return own.call(window, href, { signal: abort.signal })
				.then(async (r) => {
					if (r.status === 404) gone = true;
					if (!r.ok) throw new Error(href + ": " + r.status);
					if (!r.body) return r.arrayBuffer();
					const reader = r.body.getReader();
					const parts = [];
					let size = 0;
					for (;;) {
						alive(8000);
						const { done, value } = await reader.read();
						if (done) break;
						parts.push(value);
						size += value.length;
					}
					const whole = new Uint8Array(size);
					size = 0;
					for (const part of parts) {
						whole.set(part, size);
						size += part.length;
					}
					return whole.buffer;
				})
				.finally(() => clearTimeout(timer))
				.then((buffer) => {
					const found = unpack(buffer);
					keep(href, buffer);
					return found;
				})
				.catch((error) => {
					console.error(error);
					return new Map();
				});
		};
		// A module's name in a pack's address: its file's, without the content
		// hash: "chunk_7" for the compact loader's "/pkg/m/<build>/chunk_7.wasm"
		// (this build's only: `loader.rs`), or a loader served as built,
		// "/pkg/chunk_7.<hash>.wasm".
		const ours = "/pkg/m/" + build + "/";
		const nameOf = (path) => {
			const name = (path.startsWith(ours) ? path.slice(ours.length) : path.slice(5)).split(".")[0];
			return /^[A-Za-z0-9_-]+$/.test(name) ? name : null;
		};
		// The modules `names`, by name: those kept, and the others in one pack
		// when `packed` says they should (any, or more than a round); the
		// rest are left to the network.
		const gather = async (names, packed) => {
			const cache = await within(store, 500, null);
			// Each module kept: the address of a kept pack that holds it.
			const where = new Map();
			try {
				for (const kept of cache ? await within(cache.keys(), 500, []) : []) {
					for (const name of (new URL(kept.url).searchParams.get("m") || "").split(",")) where.set(name, kept.url);
				}
			} catch (error) {
				console.error(error);
			}
			// The pack of those not kept is asked for before the kept ones are read.
			const missing = names.filter((name) => !where.has(name));
			const fromPack = packTemplate && !gone && packed(missing.length) ? fetchPack(packTemplate.replace("*", () => missing.join(","))) : new Map();
			// A kept pack that cannot be read is dropped; its modules come in a
			// pack of their own (when `packed` says so) or one by one.
			const read = async (address) => {
				try {
					const r = await within(cache.match(address), 2000, null);
					if (r) return unpack(await r.arrayBuffer());
				} catch (error) {
					console.error(error);
				}
				cache.delete(address).catch(() => {});
				return new Map();
			};
			const found = new Map();
			for (const kept of await Promise.all([...new Set(names.filter((name) => where.has(name)).map((name) => where.get(name)))].map(read))) {
				for (const name of names) if (kept.has(name)) found.set(name, kept.get(name));
			}
			const lost = names.filter((name) => where.has(name) && !found.has(name));
			const again = lost.length > 0 && packTemplate && !gone && packed(lost.length) ? fetchPack(packTemplate.replace("*", () => lost.join(","))) : new Map();
			for (const pack of await Promise.all([fromPack, again])) {
				for (const [name, bytes] of pack) found.set(name, bytes);
			}
			return found;
		};
		// The modules the page named (every module of its lazy parts), fetched
		// at once, those not kept in one pack, until the page is interactive.
		const packs = [];
		for (const href of named) {
			const names = href.startsWith("/pkg/pack/") && href.split("?m=")[1];
			if (names) packs.push(gather(names.split(","), (missing) => missing > 0));
		}
		const shell = new URL(wasm, location.href).pathname;
		// Called for each of the hundreds of modules a page's start asks for,
		// in the task that starts the app: the loader's URL objects are read
		// as they are, and a string is parsed only when it names a module
		// (parsing each again was ~20 ms of that task on a slow phone).
		const origin = location.origin;
		const moduleOf = (input) => {
			let url = input;
			if (typeof input === "string") {
				if (!input.includes(".wasm")) return null;
				try {
					url = new URL(input, location.href);
				} catch {
					return null;
				}
			} else if (!(input instanceof URL)) return null;
			const path = url.pathname;
			const module = url.origin === origin && path.startsWith("/pkg/") && path.endsWith(".wasm");
			return module && path !== shell ? path : null;
		};
		// A burst of up to one round of requests (a browser sends six at a
		// time to a server over HTTP/1.1) costs less than a whole pack.
		const ROUND = 6;
		let burst = null;
		const answer = () => {
			const asked = burst;
			burst = null;
			// From the page's packs while it is being made interactive; after
			// that, a burst of more than a round comes in a pack of exactly
			// the modules asked for (the loader asks only for those it lacks).
			let sources = packs.slice();
			const names = asked.map((a) => nameOf(a.path));
			if (sources.length === 0 && names.every((name) => name)) sources = [gather(names, (missing) => missing > ROUND)];
			const found = sources.length > 0 ? Promise.all(sources) : null;
			for (const a of asked) {
				if (!found) {
					a.answer(own.call(window, a.input, a.init));
					continue;
				}
				// Each module is handed over in a task of its own: when the pack
				// is in before the shell has started, the shell's hydration and
				// the page's would otherwise run as one long task (~300 ms on a
				// slow phone) in which nothing the person does is answered.
				const handed = found.then((maps) => new Promise((go) => setTimeout(() => go(maps)))).then((maps) => {
					const name = nameOf(a.path);
					const from = maps.find((map) => map.has(name));
					if (!from) return own.call(window, a.input, a.init);
					const bytes = from.get(name);
					from.delete(name);
					return new Response(bytes, { headers: { "Content-Type": "application/wasm" } });
				});
				a.answer(handed);
			}
		};
		// The modules of what the page leads to (the sign-in page: the
		// signed-in frame and the profile), named by the server in <meta
		// name="tessera-next">, are fetched once the page is interactive and
		// the browser idle (while the person types), and kept: the next page
		// then asks for none of them.
		const prefetchNext = () => {
			const next = document.head.querySelector('meta[name="tessera-next"]')?.content || "";
			const names = next.startsWith("/pkg/pack/") && next.split("?m=")[1];
			if (!names) return;
			const go = () => gather(names.split(","), (missing) => missing > 0);
			// (Not kept, they would come again: without Cache Storage, nothing is fetched.)
			store.then((cache) => cache && go());
		};
		// The open page's pack is no longer needed once the page is
		// interactive (it was used, or the app went elsewhere first).
		const dropUnused = () => {
			packs.length = 0;
		};
		if (packs.length > 0 || packTemplate) {
			window.fetch = function (input, init) {
				const path = moduleOf(input);
				if (!path) return own.call(window, input, init);
				// The loader asks for a page's modules in one go: the burst is
				// answered once it has run.
				if (!burst) {
					burst = [];
					queueMicrotask(answer);
				}
				return new Promise((answer) => burst.push({ path, input, init, answer })).then(
					(response) => {
						if (!response.ok) moduleFailed();
						return response;
					},
					(error) => {
						moduleFailed();
						throw error;
					},
				);
			};
		}
		hint(wasm);
		// Should the shell not arrive (the network dropped; a server updated
		// since the page was sent no longer has its files), the page is loaded
		// again, once per address (the key is the page modules' reload's,
		// above); after that it stays readable.
		const failed = () => reloadOnce(location.href);
		import(js)
			.then((mod) => mod.default({ module_or_path: wasm }).then(() => mod))
			.then((mod) => {
				// What was typed meanwhile goes to the app once it runs.
				const app = document.getElementById("app");
				if (app) {
					new MutationObserver((_, observer) => {
						if (hydrated()) {
							observer.disconnect();
							handOver();
							dropUnused();
							// The sign-in page's pack is kept before what it
							// leads to is asked for, which then leaves it out;
							// both in a task of their own, once the browser is
							// idle, not in the one that made the page
							// interactive (already long on a slow phone).
							later(() => keepNow().finally(prefetchNext));
						}
					}).observe(app, { attributes: true, attributeFilter: ["data-hydrated"] });
				}
				mod.hydrate();
			}, failed);
	};
	const types = window.PerformanceObserver && PerformanceObserver.supportedEntryTypes;
	if (!types || !types.includes("paint")) {
		start();
		return;
	}
	new PerformanceObserver((list, observer) => {
		if (list.getEntriesByName("first-contentful-paint").length > 0) {
			observer.disconnect();
			start();
		}
	}).observe({ type: "paint", buffered: true });
	// A tab opened in the background paints only when shown; it is started anyway.
	setTimeout(start, 3000);
})
