// Starts the app once the page has been painted (written into each page by
// `app::BootScript`, with the addresses of the app's JS and WASM).
//
// The page arrives rendered, so it can be read before any WebAssembly runs.
// The app (the shell's JS and WASM, the open page's modules, named by the
// server in <meta name="tessera-module">) is fetched only after the first
// paint: on a slow network it does not compete with what is painted, and the
// paint never waits for it. Once the shell has loaded, the page is hydrated
// (it becomes interactive when its own module is in: #app[data-hydrated]).
(function (js, wasm) {
	// Until then the browser would send a form of the app's (one without an
	// action of its own: they are sent by the app) by itself, as a GET with every
	// field, passwords too, in the address and the history. Such a submit is
	// held back; forms the server answers itself (the sign-in) still go.
	document.addEventListener(
		"submit",
		(event) => {
			const app = document.getElementById("app");
			if (!event.target.hasAttribute("action") && app?.dataset.hydrated !== "true") {
				event.preventDefault();
			}
		},
		true,
	);
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
		// A page needs up to ~100 modules, and each preload costs the browser
		// about half a millisecond (2 ms on a slow phone): asked for a few at a
		// time, so that no task of this keeps the page from answering input.
		const modules = [...document.head.querySelectorAll('meta[name="tessera-module"]')].map((m) => m.content);
		const hintSome = (count) => {
			for (const href of modules.splice(0, count)) hint(href);
		};
		const next = () => {
			hintSome(8);
			if (modules.length > 0) setTimeout(next);
		};
		hint(wasm);
		// Hydrating asks for the page's modules at once: those not hinted yet
		// (the shell can be ready first, from the cache) are hinted before, or
		// the browser would fetch them twice, once for the hint and once for
		// the app.
		import(js).then((mod) =>
			mod.default({ module_or_path: wasm }).then(() => {
				hintSome(modules.length);
				mod.hydrate();
			}),
		);
		next();
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
