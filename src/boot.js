// Starts the app once the page has been painted (written into each page by
// `app::BootScript`, with the addresses of the app's JS and WASM and the
// session-storage key of a page already reloaded).
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
(function (js, wasm, reloaded) {
	const hydrated = () => document.getElementById("app")?.dataset.hydrated === "true";
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
		// The page names the split loader and its pack: its modules (up to ~100,
		// mostly a kilobyte or two each) in one file, fetched at once here. Until
		// the pack is in, the loader's requests for modules wait for it, and each
		// module in it is handed over from memory (once); any other file, or all
		// of them should the pack fail, is fetched as usual. Once the pack's
		// modules are all handed over, or the page is interactive, fetch is the
		// browser's own again.
		const named = [...document.head.querySelectorAll('meta[name="tessera-module"]')].map((m) => m.content);
		const packs = named.filter((href) => href.endsWith(".bin"));
		for (const href of named) {
			if (href.endsWith(".js")) hint(href);
		}
		const own = window.fetch;
		const unpack = (buffer) => {
			const bytes = new Uint8Array(buffer);
			const view = new DataView(buffer);
			const text = new TextDecoder();
			const found = [];
			let at = 0;
			while (at < bytes.length) {
				const name = text.decode(bytes.subarray(at + 1, at + 1 + bytes[at]));
				at += 1 + bytes[at];
				const size = view.getUint32(at, true);
				at += 4;
				if (at + size > bytes.length) throw new Error("a pack ends early");
				found.push(["/pkg/" + name + ".wasm", bytes.subarray(at, at + size)]);
				at += size;
			}
			return found;
		};
		const packed = Promise.all(
			packs.map((href) =>
				own.call(window, href)
					.then((r) => (r.ok ? r.arrayBuffer() : Promise.reject(new Error(href + ": " + r.status))))
					.then(unpack)
					.catch((error) => {
						console.error(error);
						return [];
					}),
			),
		).then((lists) => new Map(lists.flat()));
		const shell = new URL(wasm, location.href).pathname;
		let unpacking = packs.length > 0;
		const drained = (found) => {
			if (found.size === 0 && unpacking) {
				unpacking = false;
				window.fetch = own;
			}
		};
		const unwrap = () => packed.then((found) => {
			found.clear();
			drained(found);
		});
		packed.then(drained);
		if (unpacking) {
			window.fetch = function (input, init) {
				let url = null;
				try {
					if (unpacking && (typeof input === "string" || input instanceof URL)) url = new URL(input, location.href);
				} catch {
					url = null;
				}
				if (url && url.origin === location.origin && url.pathname.startsWith("/pkg/") && url.pathname.endsWith(".wasm") && url.pathname !== shell) {
					// Handed over in a task of its own: when the pack is in before
					// the shell has started, the shell's hydration and the page's
					// would otherwise run as one long task (~300 ms on a slow phone)
					// in which nothing the person does is answered.
					return packed.then((found) => new Promise((go) => setTimeout(() => go(found)))).then((found) => {
						const bytes = found.get(url.pathname);
						if (!bytes) return own.call(window, input, init);
						found.delete(url.pathname);
						drained(found);
						return new Response(bytes, { headers: { "Content-Type": "application/wasm" } });
					});
				}
				return own.call(window, input, init);
			};
		}
		hint(wasm);
		// Should the shell not arrive (the network dropped; a server updated
		// since the page was sent no longer has its files), the page is loaded
		// again, once per address (the key is the page modules' reload's,
		// `components::browser::RELOADED`); after that it stays readable.
		const failed = () => {
			try {
				if (sessionStorage.getItem(reloaded) === location.href) return;
				sessionStorage.setItem(reloaded, location.href);
			} catch {
				return;
			}
			location.reload();
		};
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
							unwrap();
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
