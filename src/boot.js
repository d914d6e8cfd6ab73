// Starts the app once the page has been painted (written into each page by
// `app::BootScript`, with the addresses of the app's JS and WASM).
//
// The page arrives rendered, so it can be read before any WebAssembly runs.
// The app (the shell's JS and WASM, the open page's modules, named by the
// server in <meta name="tessera-module">) is fetched only after the first
// paint: on a slow network it does not compete with what is painted, and the
// paint never waits for it. Once the modules are in, the page is hydrated.
(function (js, wasm) {
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
		hint(wasm);
		import(js).then((mod) => mod.default({ module_or_path: wasm }).then(() => mod.hydrate()));
		// A page needs up to ~100 modules, and each preload costs the browser
		// about half a millisecond (2 ms on a slow phone): asked for a few at a
		// time, so that no task of this keeps the page from answering input.
		const modules = [...document.querySelectorAll('meta[name="tessera-module"]')].map((m) => m.content);
		const next = () => {
			for (const href of modules.splice(0, 8)) hint(href);
			if (modules.length > 0) setTimeout(next);
		};
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
