// The counter's service worker (scope /staff/): it lets an officer open today's counter
// pages with no connection. Pages are fetched from the network first and saved; when the
// network fails, the saved copy is shown (the counter script then adds what is waiting on
// the device). Static files are kept per release. Posts are never touched: the counter
// script queues them itself (IndexedDB) and sends them when it can.
"use strict";
var RELEASE = "{{ release }}";
var ASSETS = "counter-assets-" + RELEASE;
var PAGES = "{{ pages_cache }}";
var OFFLINE = "{{ offline_url }}";
var SHELL = {{ shell|safe }};
// Only these pages are saved: Today's sessions and the counter pages.
var SAVED = /^\/staff\/(sessions\/\d+\/)?$/;

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(ASSETS)
      .then(function (cache) { return cache.addAll(SHELL.concat([OFFLINE])); })
      .then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (keys) {
      return Promise.all(keys.filter(function (key) {
        return key.indexOf("counter-assets-") === 0 && key !== ASSETS;
      }).map(function (key) { return caches.delete(key); }));
    }).then(function () { return self.clients.claim(); })
  );
});

function savedPage(request) {
  return caches.open(PAGES).then(function (cache) {
    return cache.match(request, { ignoreSearch: true });
  }).then(function (hit) {
    return hit || caches.match(OFFLINE);
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && url.pathname.indexOf("/staff/") === 0) {
    event.respondWith(
      fetch(request).then(function (response) {
        if (response.ok && response.type === "basic" && !response.redirected && SAVED.test(url.pathname)) {
          var copy = response.clone();
          caches.open(PAGES).then(function (cache) { return cache.put(url.pathname, copy); });
        }
        return response;
      }).catch(function () { return savedPage(url.pathname); })
    );
    return;
  }
  if (SHELL.indexOf(url.pathname) !== -1) {
    event.respondWith(
      caches.match(request).then(function (hit) { return hit || fetch(request); })
    );
  }
});
