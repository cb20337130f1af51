/* Pamoja's offline queue: an enhancement of the "Mark complete" and quiz
   forms, which templates mark data-offline="<event type>" data-object="<key>".
   Without this script they post as usual; with it:

   - offline (navigator.onLine is false), a submission is kept on the phone
     and the learner told so;
   - online, the form is first posted with fetch, so a connection that only
     looks alive also ends in the queue instead of the browser's error page.
     Once the server has answered, the page goes on as without JavaScript;
   - the queue goes to the events API on every page load and whenever the
     browser comes back online.

   Each event keeps the form's own UUID, so a replay counts once. Messages,
   the endpoint and the learner come from this <script> tag's data-
   attributes (server-rendered and translated). Old browsers (KaiOS) run it
   too, hence ES5. Nothing here may throw or log. */
(function () {
  "use strict";
  var MAX_QUEUE = 500;
  var BATCH = 100; // the API's limit
  var MAX_DROPPED = 20;
  var TIMEOUT = 20000; // on a slow link a request can hang for minutes
  var script = document.currentScript;
  var config, queueKey, droppedKey, running, busy;

  function read(key) {
    try {
      // Anything but a list of events (another script's, a corrupted one) is none.
      return JSON.parse(localStorage.getItem(key) || "[]").filter(function (e) {
        return e && e.id;
      });
    } catch (e) {
      return [];
    }
  }

  function write(key, list) {
    try {
      if (list.length) localStorage.setItem(key, JSON.stringify(list));
      else localStorage.removeItem(key);
      return true;
    } catch (e) {
      return false; // storage full or turned off
    }
  }

  function enqueue(item) {
    var queue = read(queueKey);
    // A form sent twice is one event and, as on the server, the first copy stands.
    if (queue.some(function (e) { return e.id === item.id; })) return true;
    queue.push(item);
    return write(queueKey, queue.slice(-MAX_QUEUE));
  }

  function csrfToken() {
    var cookie = /(?:^|;\s*)csrftoken=([^;]+)/.exec(document.cookie);
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return cookie ? cookie[1] : input ? input.value : "";
  }

  function post(url, init) {
    var abort = window.AbortController && new AbortController();
    if (abort) setTimeout(function () { abort.abort(); }, TIMEOUT);
    init.method = "POST";
    init.credentials = "same-origin";
    init.signal = abort && abort.signal;
    return fetch(url, init);
  }

  // Send the queue, a batch at a time. Resolves (never rejects) to "sent",
  // "offline" (kept for later) or "stopped": logged out (401/403) or a server
  // error, kept too.
  function sendQueue() {
    var batch = read(queueKey).slice(0, BATCH);
    if (!batch.length) return Promise.resolve("sent");
    return post(config.api, {
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify({ events: batch })
    }).then(function (response) {
      if (!response.ok) return "stopped";
      // A captive portal's login page is not JSON: that rejects, "offline".
      return response.json().then(function (reply) {
        var answered = {};
        var dropped = read(droppedKey);
        reply.results.forEach(function (result) {
          // Recorded, a duplicate, or invalid: an invalid event never succeeds,
          // so it goes too, its id kept a while for whoever debugs the phone.
          answered[result.id] = true;
          if (result.status === "invalid") dropped.push({ id: result.id, reason: result.reason });
        });
        // Read again: another tab may have queued more meanwhile.
        write(queueKey, read(queueKey).filter(function (e) { return !answered[e.id]; }));
        write(droppedKey, dropped.slice(-MAX_DROPPED));
        return batch.some(function (e) { return answered[e.id]; }) ? sendQueue() : "stopped";
      });
    }).catch(function () {
      return "offline";
    });
  }

  function flush() {
    if (!running) {
      running = sendQueue().then(function (state) {
        running = null;
        return state;
      });
    }
    return running;
  }

  function build(form, type) {
    var id = form.elements.namedItem("event");
    if (!id || !id.value) return null;
    var item = {
      id: id.value,
      type: type,
      object: form.getAttribute("data-object"),
      occurred_at: new Date().toISOString()
    };
    if (type === "quiz_submitted") {
      item.answers = {};
      [].forEach.call(form.elements, function (input) {
        if (input.type !== "radio" && input.type !== "checkbox") return;
        var chosen = item.answers[input.name] || (item.answers[input.name] = []);
        if (input.checked) chosen.push(input.value);
      });
    }
    return item;
  }

  function say(form, text) {
    form.querySelector(".offline-note").textContent = text || "";
  }

  function submitPlainly(form) {
    HTMLFormElement.prototype.submit.call(form); // fires no submit event
  }

  function keep(form, item) {
    for (var name in item.answers) {
      // The server would refuse a question left out; say so now, not later.
      if (!item.answers[name].length) {
        var field = form.elements.namedItem(name);
        (field[0] || field).focus();
        return say(form, config.incomplete);
      }
    }
    if (enqueue(item)) say(form, config.saved);
    else submitPlainly(form);
  }

  function postForm(form, item) {
    busy = true;
    post(form.action, { body: new FormData(form), redirect: "manual" }).then(
      function (response) {
        var next = form.elements.namedItem("next");
        if (response.type === "opaqueredirect" && next) {
          // "Mark complete" is recorded; go where its redirect would have gone.
          location.assign(next.value);
        } else {
          // The quiz's result (or the server's error page) is best shown by
          // the plain post; with the same event id it counts once.
          if (response.body) response.body.cancel().catch(function () {});
          submitPlainly(form);
        }
      },
      function () {
        busy = false;
        keep(form, item);
      }
    ).catch(function () {
      submitPlainly(form);
    });
  }

  function onSubmit(event) {
    var form = event.target;
    var type = form.getAttribute("data-offline");
    if (!type || event.defaultPrevented) return;
    if (busy) return event.preventDefault(); // the first tap is on its way
    var item = build(form, type);
    if (!item) return;
    event.preventDefault();
    try {
      if (navigator.onLine === false) keep(form, item);
      else postForm(form, item);
    } catch (e) {
      submitPlainly(form);
    }
  }

  function quietly(handler) {
    return function (event) {
      try {
        handler(event);
      } catch (e) {}
    };
  }

  try {
    if (!script || window.pamojaOffline || !window.fetch) return;
    localStorage.getItem(""); // throws where storage is turned off
    config = script.dataset;
    queueKey = "pamoja.queue." + config.user;
    droppedKey = "pamoja.dropped." + config.user;
    [].forEach.call(document.querySelectorAll("form[data-offline]"), function (form) {
      var note = document.createElement("p");
      note.className = "offline-note";
      note.setAttribute("role", "status"); // there before it speaks, or it may not be heard
      form.appendChild(note);
    });
    document.addEventListener("submit", quietly(onSubmit));
    window.addEventListener("online", quietly(flush));
    window.addEventListener("pageshow", quietly(function () {
      busy = false; // back from the next page, perhaps
      flush();
    }));
    window.pamojaOffline = { flush: flush };
  } catch (e) {}
})();
