/* Pamoja's service worker: the pages a learner saved for offline use.

   download.js puts a course's (or a module's) pages and static files in the
   cache below when the learner asks; this worker only reads it:

   - a page (navigation) comes from the network as usual; when the network
     fails, is off, or has not answered in TIMEOUT, from the cache if it was
     saved there. Online the learner sees fresh progress and forms;
   - static files are hashed and immutable: from the cache when saved there.

   Logging out forgets every saved page (phones are often shared).

   Served as /sw.js (courses/views.py) so that it covers every language.
   A saved quiz page gets a new event id whenever it is opened from the
   cache, as the server gives each rendering of it its own: two attempts made
   offline from one saved page are two attempts, while the offline queue
   (offline.js) still sends each of them once. "Mark complete" keeps its id,
   which the server derives from the learner and the lesson. */
"use strict";
var CACHE = "pamoja-offline-v1"; // download.js writes the same cache
var TIMEOUT = 6000;

self.addEventListener("install", function () {
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(self.clients.claim());
});

function saved(request) {
  return caches.open(CACHE).then(function (cache) {
    // Saved with a plain URL: the request's Save-Data or cookies do not matter.
    return cache.match(request, { ignoreVary: true });
  });
}

function uuid() {
  if (self.crypto.randomUUID) return self.crypto.randomUUID();
  return "10000000-1000-4000-8000-100000000000".replace(/[018]/g, function (c) {
    return (c ^ (self.crypto.getRandomValues(new Uint8Array(1))[0] & (15 >> (c / 4)))).toString(16);
  });
}

function opened(response) {
  return response.text().then(function (html) {
    if (html.indexOf('data-offline="quiz_submitted"') !== -1) {
      html = html.replace(/(name="event" value=")[0-9a-f-]{36}/g, function (_m, start) {
        return start + uuid();
      });
    }
    return new Response(html, { status: response.status, headers: response.headers });
  });
}

function page(request) {
  return saved(request).then(function (copy) {
    if (!copy) return fetch(request); // not saved: as if there were no worker
    if (self.navigator.onLine === false) return opened(copy);
    var late = new Promise(function (resolve) {
      setTimeout(resolve, TIMEOUT);
    });
    return Promise.race([fetch(request), late]).then(
      function (response) {
        return response && response.status < 500 ? response : opened(copy);
      },
      function () {
        return opened(copy);
      }
    );
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method === "POST" && /\/accounts\/logout\/$/.test(url.pathname)) {
    // A shared phone: the next person must not read this learner's pages.
    event.waitUntil(caches.delete(CACHE));
    return;
  }
  if (request.method !== "GET") return;
  if (request.mode === "navigate") {
    event.respondWith(page(request));
  } else if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(
      saved(request).then(function (copy) {
        return copy || fetch(request);
      })
    );
  }
});
