/* The tablet app's service worker, served by /entretiens/sw.js with CONFIG prepended:
 *   CONFIG.version   digest of every asset: a new deployment gets a new cache
 *   CONFIG.shell     the pages (app shell, interviews list): network first, cache when offline
 *   CONFIG.bootstrap the enquêteur's questionnaires and territory: network first, cache fallback
 *   CONFIG.assets    static files, versioned (?v=) and plain: cache first
 * The API is never touched: a sync must reach the server or fail visibly. */
/* global CONFIG */

const CACHE = `consultation-tablette-${CONFIG.version}`;
const CACHE_PREFIX = "consultation-tablette-";
const NAVIGATION_TIMEOUT_MS = 4000;

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      // Pages and bootstrap need the session cookie; assets are public.
      for (const url of [...CONFIG.shell, CONFIG.bootstrap]) {
        const response = await fetch(url, { credentials: "same-origin", cache: "no-store" });
        if (isUsable(response)) await cache.put(url, response);
      }
      await cache.addAll(CONFIG.assets);
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      const previous = await caches.keys();
      // Keep the pages and bootstrap of the old cache: they may be the only copy if offline now.
      const current = await caches.open(CACHE);
      for (const name of previous) {
        if (!name.startsWith(CACHE_PREFIX) || name === CACHE) continue;
        const old = await caches.open(name);
        for (const url of [...CONFIG.shell, CONFIG.bootstrap]) {
          if (!(await current.match(url))) {
            const response = await old.match(url);
            if (response) await current.put(url, response);
          }
        }
        await caches.delete(name);
      }
      await self.clients.claim();
    })(),
  );
});

/** A page or JSON that can stand in for the real one: not an error, not the login page. */
function isUsable(response) {
  return response && response.ok && !response.redirected && response.type !== "opaqueredirect";
}

function withTimeout(promise, ms) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("timeout")), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

async function networkFirst(request, cacheKey, timeoutMs) {
  const cache = await caches.open(CACHE);
  try {
    const fetching = fetch(request);
    const response = timeoutMs ? await withTimeout(fetching, timeoutMs) : await fetching;
    if (isUsable(response)) {
      await cache.put(cacheKey, response.clone());
      return response;
    }
    // Logged out while online: the login page is the right answer.
    if (response.redirected || response.type === "opaqueredirect") return response;
    const cached = await cache.match(cacheKey);
    return cached || response;
  } catch (error) {
    const cached = await cache.match(cacheKey);
    if (cached) return cached;
    throw error;
  }
}

async function cacheFirst(request) {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(request);
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) await cache.put(request, response.clone());
  return response;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname.startsWith(CONFIG.api_prefix)) return;

  if (url.pathname === CONFIG.bootstrap) {
    event.respondWith(networkFirst(request, CONFIG.bootstrap, 0));
  } else if (CONFIG.shell.includes(url.pathname) && request.mode === "navigate") {
    event.respondWith(networkFirst(request, url.pathname, NAVIGATION_TIMEOUT_MS));
  } else if (url.pathname.startsWith(CONFIG.static_prefix)) {
    event.respondWith(cacheFirst(request));
  }
});
