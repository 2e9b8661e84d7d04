// The counter's service worker (scope /staff/): it lets an officer open today's counter
// pages with no connection. Pages are fetched from the network first and saved; when the
// network fails, the saved copy is shown (the counter script then adds what is waiting on
// the device). Static files are kept per release. Posts are never touched: the counter
// script queues them itself (IndexedDB) and sends them when it can.
//
// A saved page belongs to a sign-in: the server says how long that sign-in has left
// (X-Sign-In-Seconds-Left, users/sessions.py), the page is saved stamped with the moment
// that is on this device's clock (X-Saved-Until), and it is never shown after it, and every saved page is deleted as soon
// as the server says no one is signed in (a /staff/ page answered by the sign-in page or a
// refusal), so a phone left behind does not open "Signed in as …" pages offline.
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

// A copy of a fresh page to save: stamped with when its sign-in ends on this device's clock.
// Null: the page is for no sign-in, and is not saved.
function stamped(response) {
  var left = parseInt(response.headers.get("X-Sign-In-Seconds-Left"), 10);
  if (isNaN(left) || left <= 0) return Promise.resolve(null);
  return response.clone().blob().then(function (body) {
    var headers = new Headers(response.headers);
    headers.set("X-Saved-Until", String(Date.now() + left * 1000));
    return new Response(body, { status: response.status, statusText: response.statusText, headers: headers });
  });
}

function signInCurrent(saved) {
  var until = parseInt(saved.headers.get("X-Saved-Until"), 10);
  return !isNaN(until) && until > Date.now();
}

function savedPage(request) {
  return caches.open(PAGES).then(function (cache) {
    return cache.match(request, { ignoreSearch: true });
  }).then(function (hit) {
    if (hit && signInCurrent(hit)) return hit;
    if (hit) return caches.delete(PAGES).then(function () { return caches.match(OFFLINE); });
    return caches.match(OFFLINE);
  });
}

function save(path, response) {
  return stamped(response).then(function (copy) {
    if (copy) return caches.open(PAGES).then(function (cache) { return cache.put(path, copy); });
  });
}

// Today's sessions asks for each of its counter pages to be saved, so that they open with
// no connection later.
self.addEventListener("message", function (event) {
  var paths = (event.data && event.data.save) || [];
  event.waitUntil(Promise.all(paths.filter(function (path) { return SAVED.test(path); }).map(function (path) {
    return fetch(path, { credentials: "same-origin" }).then(function (response) {
      if (response.ok && !response.redirected) return save(path, response);
    }).catch(function () {});
  })));
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && url.pathname.indexOf("/staff/") === 0) {
    event.respondWith(
      fetch(request).then(function (response) {
        // A navigation's redirect (to the sign-in page) reaches us as an opaque redirect.
        if (response.type === "opaqueredirect" || response.redirected || response.status === 401 || response.status === 403) {
          caches.delete(PAGES);  // signed out, or not allowed: nothing saved stays
          return response;
        }
        if (response.ok && response.type === "basic" && SAVED.test(url.pathname)) {
          save(url.pathname, response);
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
