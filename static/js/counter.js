// The counter page on a poor connection. Every form marked data-queue is sent with fetch;
// submissions wait in a queue kept on the device (localStorage) until the server answers,
// so a dropped connection loses nothing. Each visit carries its own idempotency key, and a
// retry sends the same key again, so nothing is counted twice. Without JavaScript the same
// forms post normally, each page carrying a fresh key.
(function () {
  "use strict";
  var STORE = "contact-points-counter-queue";
  var NOTICE = "contact-points-counter-notice";
  var pendingEl, noticeEl, countEl, sending = false;

  function notify(message) {
    if (noticeEl && message) noticeEl.textContent = message;
  }

  function load() {
    try { return JSON.parse(localStorage.getItem(STORE)) || []; } catch (e) { return []; }
  }
  function save(queue) { localStorage.setItem(STORE, JSON.stringify(queue)); }
  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }
  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return "10000000-1000-4000-8000-100000000000".replace(/[018]/g, function (c) {
      return (c ^ (crypto.getRandomValues(new Uint8Array(1))[0] & (15 >> (c / 4)))).toString(16);
    });
  }
  function showPending() {
    var waiting = load().length;
    pendingEl.textContent = waiting
      ? waiting + (waiting === 1 ? " change is" : " changes are") +
        " waiting to be sent. They are kept on this device and sent when the connection is back."
      : "";
  }

  function flush() {
    if (sending) return;
    var queue = load();
    if (!queue.length) { showPending(); return; }
    sending = true;
    var item = queue[0];
    // The CSRF token of now, from the cookie: it changes when the officer signs in again.
    var token = csrfToken() || item.fields.csrfmiddlewaretoken;
    var body = new URLSearchParams(item.fields);
    body.set("csrfmiddlewaretoken", token);
    fetch(item.url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": token }
    }).then(function (response) {
      if (response.redirected) {
        // Signed out (the answer is the sign-in page): nothing was recorded. Keep it.
        throw new Error("signed-out");
      }
      var isJson = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
      if (!isJson && (response.status === 401 || response.status === 403)) {
        throw new Error("signed-out");  // no session or no CSRF cookie: keep it for later
      }
      if (!isJson) {
        return { status: response.status, data: { error: "That change was refused (" + response.status + ")." } };
      }
      return response.json().then(function (data) {
        return { status: response.status, data: data };
      });
    }).then(function (result) {
      sending = false;
      var rest = load().slice(1);
      save(rest);
      if (result.status >= 400 && result.status !== 404) {
        pendingEl.textContent = result.data.error || "That change was refused.";
      }
      if (typeof result.data.visits === "number" && countEl && !rest.length) {
        countEl.textContent = result.data.visits;
      }
      if (result.status < 400) notify(result.data.message);
      if (item.reload && !rest.length) {
        // Show the answer again after the page is redrawn with the new state.
        sessionStorage.setItem(NOTICE, result.data.message || "");
        window.location.reload();
        return;
      }
      showPending();
      flush();
    }).catch(function (error) {
      // Offline, unreachable or signed out: keep it, try again shortly.
      sending = false;
      showPending();
      if (error && error.message === "signed-out") {
        pendingEl.textContent += " Your sign-in has ended: sign in again in a new tab and they will be sent.";
      }
      setTimeout(flush, 5000);
    });
  }

  function enqueue(form, submitter) {
    var fields = {};
    new FormData(form).forEach(function (value, name) { fields[name] = value; });
    if (submitter && submitter.name) fields[submitter.name] = submitter.value;
    var isVisit = form.hasAttribute("data-visit-form");
    var reload = !isVisit;
    if (isVisit) {
      var key = newKey();  // one key per tap, reused by every retry
      fields.idempotency_key = key;
      // When the tap was made: a tap sent late from the queue is still placed in the
      // session it was made in (the server keeps it within the session's times).
      fields.tapped_at = new Date().toISOString();
      if (countEl) countEl.textContent = parseInt(countEl.textContent, 10) + 1;
      // "Undo" and "details" now mean this visitor: point them at its key. The queue
      // sends in order, so they always reach the server after the visit itself.
      var follow = document.querySelectorAll("[data-undo-form], [data-details-form]");
      follow.forEach(function (other) {
        other.action = other.action.replace(/visits\/[0-9a-f-]+\//, "visits/" + key + "/");
      });
      var undoButton = document.querySelector("[data-undo-form] button");
      if (undoButton && submitter) {
        undoButton.textContent = "Undo last visitor (" + submitter.textContent.replace(/^\+\s*/, "") + ")";
      }
      reload = !follow.length;  // the first visitor: reload to show undo and details
    }
    var queue = load();
    queue.push({ url: form.action, fields: fields, reload: reload });
    save(queue);
    showPending();
    flush();
  }

  document.addEventListener("DOMContentLoaded", function () {
    pendingEl = document.querySelector("[data-pending]");
    noticeEl = document.querySelector("[data-notice]");
    if (window.sessionStorage && sessionStorage.getItem(NOTICE)) {
      notify(sessionStorage.getItem(NOTICE));
      sessionStorage.removeItem(NOTICE);
    }
    countEl = document.querySelector("[data-visit-count]");
    if (!pendingEl || !window.fetch || !window.localStorage) return;
    document.querySelectorAll("form[data-queue]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        enqueue(form, event.submitter);
      });
    });
    window.addEventListener("online", flush);
    showPending();
    flush();
  });
})();
