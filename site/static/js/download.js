/* "Download for offline use" on a course page: an enhancement of buttons the
   template renders hidden (courses/includes/downloads.html), shown only where
   the browser has service workers and the Cache API. Elsewhere the learner
   has the single-file download, which needs no script.

   A tap registers the service worker (sw.js), asks the server which pages
   the course or module has (its "offline/" address), and saves them one at a
   time (on a slow link parallel requests only compete) with a header that
   tells the server the page is being saved, not read. Lessons already saved
   are marked in the outline. Messages come from this <script> tag's data-
   attributes, server-rendered and translated. ES5; nothing may throw. */
(function () {
  "use strict";
  var CACHE = "pamoja-offline-v1"; // sw.js reads the same cache
  var script = document.currentScript;
  var config, status;

  function say(text) {
    if (status) status.textContent = text;
  }

  function mark() {
    caches.open(CACHE).then(function (cache) {
      [].forEach.call(document.querySelectorAll(".outline ol a"), function (link) {
        cache.match(link.href, { ignoreVary: true }).then(function (hit) {
          var item = link.parentNode;
          if (!hit || item.querySelector(".offline-mark")) return;
          var note = document.createElement("span");
          note.className = "offline-mark muted";
          note.textContent = " · " + config.available;
          item.appendChild(note);
        });
      });
    }).catch(function () {});
  }

  function save(cache, urls) {
    var done = 0;
    return urls.reduce(function (chain, url) {
      return chain.then(function () {
        return fetch(url, {
          credentials: "same-origin",
          headers: { "X-Pamoja-Offline": "1" }
        }).then(function (response) {
          if (!response.ok) throw new Error(url);
          done += 1;
          say(config.progress.replace("{done}", done).replace("{total}", urls.length));
          return cache.put(url, response);
        });
      });
    }, Promise.resolve());
  }

  function download(button) {
    button.disabled = true;
    navigator.serviceWorker
      .register(config.worker, { scope: "/" })
      .then(function () {
        return fetch(button.getAttribute("data-download"), { credentials: "same-origin" });
      })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return Promise.all([response.json(), caches.open(CACHE)]);
      })
      .then(function (both) {
        return save(both[1], both[0].urls);
      })
      .then(function () {
        return navigator.serviceWorker.ready;
      })
      .then(
        function () {
          say(config.done);
          mark();
        },
        function () {
          say(config.failed);
        }
      )
      .then(function () {
        button.disabled = false;
      });
  }

  try {
    if (!script || !window.caches || !navigator.serviceWorker || !window.Promise) return;
    config = script.dataset;
    status = document.getElementById("offline-status");
    [].forEach.call(document.querySelectorAll("[data-offline-download]"), function (box) {
      box.hidden = false;
      box.querySelector("button").addEventListener("click", function (event) {
        download(event.currentTarget);
      });
    });
    mark();
  } catch (e) {}
})();
