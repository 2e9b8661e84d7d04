// The counter on a phone with a poor connection, or none.
//
// Every counter form (start, log a visitor, details, undo, end, reopen) becomes a change
// kept on the device in IndexedDB until the server has answered it. Changes are sent one
// at a time in the order they were made, by one tab at a time (a Web Lock), each under its
// own key: a visit's key is its idempotency key, so a retry after a lost answer is never
// counted twice, and a change leaves the queue only by its key (two tabs cannot remove
// each other's). A network error, a 5xx or a 429 keeps the change and retries it later,
// waiting longer each time (at most a minute); a 4xx that can never succeed is set aside
// and shown to the officer with what to do. A change the device will not keep is posted
// as a plain form, or, with no connection either, reported at once (notKept).
//
// Every change carries the officer who made it (`made_by`, from the page it was made on).
// Only the signed-in officer's changes are sent and drawn; on a shared phone another
// officer's wait on the device, named, until they sign in again, and the server refuses any
// change whose maker is not the signed-in user (409, "other_officer").
//
// The screen is always drawn from what the server last said (embedded in the page, then
// each answer) plus the changes still waiting, so the count, the last visitor and the
// visitor that "details" and "undo" act on are one and the same, offline and after a
// reload. The service worker (/staff/sw.js) lets the pages open with no connection.
// Without JavaScript the same forms post normally.
(function () {
  "use strict";
  var DB_NAME = "contact-points-counter";
  var PAGES_CACHE = "counter-pages";
  var LOCK = "contact-points-counter-send";
  var MAX_WAIT = 60000;
  var channel = window.BroadcastChannel ? new BroadcastChannel(DB_NAME) : null;
  var page = null;       // the state embedded in this page (the server's, at page load)
  var timer = null;
  var problem = "";      // why the first waiting change has not been sent yet
  var unkept = [];       // changes the device would not keep, offline: { message } to tell the officer
  var sequence = 0;

  // --- Storage -----------------------------------------------------------------------
  var dbPromise = null;
  function db() {
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve, reject) {
        var request = indexedDB.open(DB_NAME, 1);
        request.onupgradeneeded = function () {
          var queue = request.result.createObjectStore("queue", { keyPath: "id" });
          queue.createIndex("seq", "seq");
          request.result.createObjectStore("snapshots", { keyPath: "session" });
        };
        request.onsuccess = function () { resolve(request.result); };
        request.onerror = function () { reject(request.error); };
      });
    }
    return dbPromise;
  }
  function store(name, mode, work) {
    return db().then(function (database) {
      return new Promise(function (resolve, reject) {
        var transaction = database.transaction(name, mode);
        var result = work.apply(null, [].concat(name).map(function (n) { return transaction.objectStore(n); }));
        transaction.oncomplete = function () { resolve(result && "result" in result ? result.result : undefined); };
        transaction.onerror = function () { reject(transaction.error); };
        // A full or blocked store aborts the transaction without a request error.
        transaction.onabort = function () { reject(transaction.error || new Error("The device's storage refused it.")); };
      });
    });
  }
  // What to draw: the queue and this session's last server answer, read together.
  function queueAndSnapshot(session) {
    return store(["queue", "snapshots"], "readonly", function (queue, snapshots) {
      var changes = queue.index("seq").getAll();
      var known = snapshots.get(session);
      // `result` is read by store() once the transaction has completed.
      return { get result() { return { changes: changes.result, known: known.result }; } };
    });
  }
  function allChanges() {
    return store("queue", "readonly", function (queue) { return queue.index("seq").getAll(); });
  }
  function putChange(change) { return store("queue", "readwrite", function (q) { q.put(change); }); }
  function dropChange(id) { return store("queue", "readwrite", function (q) { q.delete(id); }); }
  function keepSnapshot(state) {
    // An answer can arrive after a newer one (two tabs): keep the newest the server sent.
    return store("snapshots", "readwrite", function (snapshots) {
      var request = snapshots.get(state.session);
      request.onsuccess = function () {
        var known = request.result;
        if (!known || known.as_of <= state.as_of) snapshots.put(state);
      };
    });
  }
  function changed() {
    if (channel) channel.postMessage("changed");
    render();
  }

  // --- Who is signed in ------------------------------------------------------------------
  // The officer this page was made for (app_head.html); null on a page for no one.
  function officer() {
    var meta = document.querySelector("meta[name=counter-officer]");
    return meta ? { id: meta.getAttribute("content"), name: meta.getAttribute("data-name") } : null;
  }
  function mine(change) {
    var me = officer();
    return !!me && change.officer === me.id;
  }

  // --- Keys and time ------------------------------------------------------------------
  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return "10000000-1000-4000-8000-100000000000".replace(/[018]/g, function (c) {
      return (c ^ (crypto.getRandomValues(new Uint8Array(1))[0] & (15 >> (c / 4)))).toString(16);
    });
  }
  function clock(date) {
    return date.toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit", timeZone: "Europe/London" });
  }
  // The server's "now": the device's clock corrected by the difference seen in the last
  // answer from the server (a phone's clock may be out; a saved page's time is old).
  var CLOCK = DB_NAME + "-clock";
  function learnClock(asOf) {
    try { localStorage.setItem(CLOCK, String(Date.parse(asOf) - Date.now())); } catch (e) { /* private mode */ }
  }
  function serverNow() {
    var offset = parseInt(localStorage.getItem(CLOCK), 10);
    return Date.now() + (isNaN(offset) ? 0 : offset);
  }
  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  // --- What the screen shows ------------------------------------------------------------
  // The server's state plus the changes waiting for this session, applied in order.
  function view(state, changes) {
    // `count`: every visitor of the session; `visits`: the latest of them, as listed.
    var shown = {
      state: state.state, visits: state.visits.slice(),
      count: typeof state.count === "number" ? state.count : state.visits.length,
      ended_at: state.ended_at, reopen_until: state.reopen_until ? Date.parse(state.reopen_until) : null
    };
    var now = serverNow();
    changes.forEach(function (change) {
      if (change.session !== state.session || change.refused || !mine(change)) return;
      if (change.kind === "visit") {
        var known = shown.visits.some(function (v) { return v.key === change.key; });
        if (!known) {
          shown.visits.push({ key: change.key, label: change.label, time: clock(new Date(change.made)), waiting: true });
          shown.count += 1;
        }
      } else if (change.kind === "undo") {
        var before = shown.visits.length;
        shown.visits = shown.visits.filter(function (v) { return v.key !== change.key; });
        shown.count -= before - shown.visits.length;
      } else if (change.kind === "start" && shown.state === "scheduled") {
        shown.state = "open";
      } else if (change.kind === "end" && shown.state === "open") {
        shown.state = "ended";
        shown.ended_at = clock(new Date(change.made));
        shown.reopen_until = now + state.reopen_minutes * 60000;
      } else if (change.kind === "reopen" && shown.state === "ended") {
        shown.state = "open";
      }
    });
    shown.last = shown.visits[shown.visits.length - 1];
    shown.open_for_reopen = shown.reopen_until !== null && shown.reopen_until > now;
    return shown;
  }

  function plural(n, one, many) { return n + " " + (n === 1 ? one : many); }

  function draw(state, changes) {
    var shown = view(state, changes);
    document.querySelectorAll("[data-state-section]").forEach(function (section) {
      section.hidden = section.getAttribute("data-state-section") !== shown.state;
    });
    var count = document.querySelector("[data-visit-count]");
    if (count) count.textContent = shown.count;
    var ended = document.querySelector("[data-ended-count]");
    if (ended) ended.textContent = plural(shown.count, "visitor", "visitors");
    var reopen = document.querySelector("[data-reopen]");
    if (reopen) {
      reopen.hidden = !shown.open_for_reopen;
      var until = document.querySelector("[data-reopen-until]");
      if (until && shown.reopen_until) until.textContent = clock(new Date(shown.reopen_until));
    }
    drawLastVisitor(shown.last);
    drawList(shown.visits, shown.count);
  }

  function drawLastVisitor(last) {
    var box = document.querySelector("[data-last-visitor]");
    if (!box) return;
    box.hidden = !last;
    if (!last) return;
    var panel = box.querySelector("[data-details-panel]");
    var details = box.querySelector("[data-kind=details]");
    if (details.getAttribute("data-key") !== last.key) {
      // A different visitor: start the details afresh, and name them.
      details.reset();
      if (panel) panel.open = false;
    }
    box.querySelectorAll("[data-key]").forEach(function (form) { form.setAttribute("data-key", last.key); });
    box.querySelector("[data-last-label]").textContent = last.label + ", " + last.time;
    box.querySelector("[data-undo-button]").textContent = "Undo last visitor (" + last.label + ")";
  }

  function drawList(visits, count) {
    var list = document.querySelector("[data-visit-list]");
    if (!list) return;
    list.closest("[data-visit-list-section]").hidden = !visits.length;
    list.start = count;  // numbered down from the session's count: the latest are listed
    var note = document.querySelector("[data-visit-list-note]");
    if (note) {
      note.hidden = count <= visits.length;
      note.querySelector("[data-visit-list-shown]").textContent = visits.length;
    }
    list.textContent = "";
    visits.slice().reverse().forEach(function (visit) {
      var item = document.createElement("li");
      item.textContent = visit.time + ": " + visit.label + (visit.waiting ? " (waiting to be sent)" : "");
      list.appendChild(item);
    });
  }

  function drawQueue(changes) {
    var waiting = changes.filter(function (c) { return !c.refused && mine(c); }).length;
    var others = {};
    changes.forEach(function (c) {
      if (!c.refused && !mine(c)) others[c.officer_name] = (others[c.officer_name] || 0) + 1;
    });
    var othersText = Object.keys(others).map(function (name) {
      return plural(others[name], "change", "changes") + " made by " + name + " on this device " +
        (others[name] === 1 ? "waits" : "wait") + " for them to sign in again.";
    }).join(" ");
    var pending = document.querySelector("[data-pending]");
    if (pending) {
      pending.textContent = (waiting
        ? plural(waiting, "change is", "changes are") + " waiting to be sent. They are kept on this device and sent when the connection is back." + (problem ? " " + problem : "")
        : "") + (othersText ? (waiting ? " " : "") + othersText : "");
    }
    var refused = document.querySelector("[data-refused]");
    if (!refused) return;
    refused.textContent = "";
    changes.filter(function (c) { return c.refused && mine(c); }).forEach(function (change) {
      refused.appendChild(refusal(
        change.describe + ". " + change.refused + " This change will not be sent again. If it should be recorded, tell a manager, who can add it in the back office.",
        function () { dropChange(change.id).then(changed); }
      ));
    });
    unkept.forEach(function (entry) {
      refused.appendChild(refusal(entry.message, function () {
        unkept = unkept.filter(function (other) { return other !== entry; });
        render();
      }));
    });
  }
  function refusal(message, dismissed) {
    var box = document.createElement("div");
    box.className = "notice notice--error";
    var text = document.createElement("p");
    text.textContent = "Not recorded: " + message;
    var dismiss = document.createElement("button");
    dismiss.type = "button";
    dismiss.className = "link-button";
    dismiss.textContent = "Dismiss this message";
    dismiss.addEventListener("click", dismissed);
    box.appendChild(text);
    box.appendChild(dismiss);
    return box;
  }

  // Drawings can finish out of order: each waits on the device's storage, which may answer
  // an older one last. Drawing that late answer would put back an older screen (the
  // "Start session" button, no visitor, nothing waiting) over a newer one. So each drawing
  // reads the queue and the server's answer in one transaction, and one only draws if no
  // drawing asked for after it has drawn already: the last asked for (which saw every
  // change made before it) is what stays on the screen.
  var asked = 0;
  var drawn = 0;
  function render() {
    var ticket = ++asked;
    var read = page ? queueAndSnapshot(page.session) : allChanges().then(function (changes) {
      return { changes: changes };
    });
    return read.then(function (found) {
      if (ticket < drawn) return;
      drawn = ticket;
      drawQueue(found.changes);
      if (!page) return;
      var known = found.known;
      draw(known && known.as_of >= page.as_of ? known : page, found.changes);
    });
  }

  // --- Sending ----------------------------------------------------------------------------
  function wait(change, retryAfter) {
    change.attempts = (change.attempts || 0) + 1;
    var delay = Math.min(MAX_WAIT, 1000 * Math.pow(2, change.attempts - 1));
    if (retryAfter) delay = Math.max(delay, retryAfter * 1000);
    change.next_try = Date.now() + delay * (0.75 + Math.random() / 4);
    return putChange(change).then(function () { later(delay); });
  }
  function later(delay) {
    clearTimeout(timer);
    timer = setTimeout(flush, delay);
  }

  // How long to wait for the server's answer. A connection can take a change and then go
  // silent (a phone between masts) for minutes; until the phone gives up, every later
  // change waits behind it. Giving up is safe: the change is sent again, and no change
  // counts twice (a visit by its key; start, end, reopen, undo and details the second
  // time change nothing).
  var ANSWER_WAIT = 30000;

  function send(change) {
    var body = new URLSearchParams(change.fields);
    var token = csrfToken();  // the token of now: it changes when the officer signs in again
    if (token) body.set("csrfmiddlewaretoken", token);
    var giveUp = new AbortController();
    var giveUpTimer = setTimeout(function () { giveUp.abort(); }, ANSWER_WAIT);
    return fetch(change.url, {
      method: "POST", body: body, credentials: "same-origin", signal: giveUp.signal,
      headers: { "Accept": "application/json", "X-CSRFToken": token }
    }).then(function (response) {
      var isJson = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
      if (response.redirected || (!isJson && (response.status === 401 || response.status === 403))) {
        return { retry: "Your sign-in has ended: sign in again (in a new tab) and they will be sent." };
      }
      if (response.status === 409 && isJson) {
        return response.json().then(function (data) {
          if (data.code === "other_officer") {
            // This page is out of date: someone else has signed in since. Keep the change.
            return { retry: "Someone else is signed in on this device: the change waits for you.", after: 60 };
          }
          return { status: response.status, data: data };
        });
      }
      if (response.status === 429 || response.status >= 500 || !isJson) {
        return {
          retry: "The server could not take them just now (" + response.status + "); trying again shortly.",
          after: parseInt(response.headers.get("Retry-After"), 10) || 0
        };
      }
      return response.json().then(function (data) { return { status: response.status, data: data }; });
    }).catch(function () {
      // No answer, or only part of one (the connection dropped while it was read).
      return { retry: giveUp.signal.aborted ? "No answer from the server in " + ANSWER_WAIT / 1000 + " seconds; trying again shortly." : "No connection." };
    }).then(function (result) {
      clearTimeout(giveUpTimer);
      return result;
    });
  }

  // One change after another, oldest first, until the queue is empty or a change must wait.
  // Drawing is asked for, not waited on: the Web Lock covers sending only, so a slow
  // drawing never holds back a tap made meanwhile.
  function sendAll(now) {
    return allChanges().then(function (changes) {
      // Waiting from before changes named their officer: no one can say whose they are.
      var unnamed = changes.filter(function (c) { return !c.refused && !c.officer; });
      if (unnamed.length) {
        return Promise.all(unnamed.map(function (c) {
          c.refused = "It was waiting on this device from before the counter recorded who made each change, so it cannot be sent as yours.";
          c.officer = (officer() || {}).id;
          return putChange(c);
        })).then(function () { return sendAll(now); });
      }
      var next = changes.filter(function (c) { return !c.refused && mine(c); })[0];
      if (!next) { problem = ""; moveIfDone(); render(); return; }
      if (!now && next.next_try && next.next_try > Date.now()) {
        later(next.next_try - Date.now());
        render();
        return;
      }
      return send(next).then(function (result) {
        if (result.retry) {
          problem = result.retry;
          return wait(next, result.after).then(function () { render(); });
        }
        problem = "";
        var done = result.status < 400 ? Promise.resolve() : Promise.resolve().then(function () {
          next.refused = result.data.error || "The server refused it.";
          return putChange(next);
        });
        return done.then(function () {
          if (result.status < 400) {
            notify(result.data.message);
            if (result.data.state) learnClock(result.data.state.as_of);
            return (result.data.state ? keepSnapshot(result.data.state) : Promise.resolve()).then(function () {
              return dropChange(next.id);
            }).then(function () { follow(result.data.state); });
          }
        }).then(function () {
          changed();
          return sendAll();
        });
      });
    });
  }

  // `now`: the connection is back, so try the first change at once however long it was
  // due to wait. While this tab or another is sending, wait for it to finish, then look at
  // the queue again: a tap made meanwhile is sent straight after, not seconds later.
  function flush(now) {
    clearTimeout(timer);
    now = now === true;
    if (navigator.locks) {
      return navigator.locks.request(LOCK, function () { return sendAll(now); });
    }
    return sendAll(now);
  }

  function notify(message) {
    var notice = document.querySelector("[data-notice]");
    if (notice && message) notice.textContent = message;
  }

  // A counter that rolled over at midnight: once nothing waits, show the new session.
  var movedTo = null;
  function follow(state) {
    if (!page || !state || state.session === page.session) return;
    movedTo = state.counter_url;
  }
  function moveIfDone() {
    if (!movedTo) return;
    allChanges().then(function (changes) {
      if (!changes.some(function (c) { return c.session === page.session && !c.refused && mine(c); })) {
        window.location.replace(movedTo);
      }
    });
  }

  // --- Forms ------------------------------------------------------------------------------
  var URL_KEY = "00000000-0000-0000-0000-000000000000";

  function changeFrom(form, submitter) {
    var kind = form.getAttribute("data-kind");
    var fields = {};
    new FormData(form).forEach(function (value, name) { fields[name] = value; });
    delete fields.csrfmiddlewaretoken;
    if (submitter && submitter.name) fields[submitter.name] = submitter.value;
    var me = officer() || {};
    var change = {
      id: newKey(), seq: Date.now() * 1000 + (sequence++ % 1000), session: page.session,
      kind: kind, url: form.action, fields: fields, made: new Date().toISOString(), attempts: 0,
      officer: fields.made_by || me.id, officer_name: me.name
    };
    if (kind === "visit") {
      change.key = change.id;  // the visit's idempotency key, sent again on every retry
      fields.idempotency_key = change.key;
      // When the tap was made: a tap sent late is still timed (and placed) when it was made.
      fields.tapped_at = change.made;
      change.label = submitter ? submitter.getAttribute("data-label") : "Visitor";
      change.describe = "the visitor at " + clock(new Date(change.made)) + " (" + change.label + ")";
    } else if (kind === "undo" || kind === "details") {
      // The visitor named on the screen at the moment of the tap, and no other.
      change.key = form.getAttribute("data-key");
      change.url = form.getAttribute("data-url").replace(URL_KEY, change.key);
      change.visitor = document.querySelector("[data-last-label]").textContent;
      change.describe = (kind === "undo" ? "undoing " : "details for ") + "the visitor " + change.visitor;
    } else {
      change.describe = { start: "starting the session", end: "ending the session", reopen: "reopening the session" }[kind];
    }
    return change;
  }

  // The device would not keep a change (its storage full, blocked or failing). With a
  // connection, the form posts as it would without this script (submit() fires no submit
  // event, so the form is not queued again): the server records it and answers with the
  // page. Without one, nothing can keep it: say so at once, in the alert area, so that the
  // officer notes it another way.
  function notKept(form, submitter, change, error) {
    if (navigator.onLine) {
      if (change.kind === "undo" || change.kind === "details") form.action = change.url;
      var key = form.querySelector("input[name=idempotency_key]");
      if (key && change.key) key.value = change.key;
      if (submitter && submitter.name) {
        var pressed = document.createElement("input");
        pressed.type = "hidden";
        pressed.name = submitter.name;
        pressed.value = submitter.value;
        form.appendChild(pressed);
      }
      form.submit();
      return;
    }
    unkept.push({ message: change.describe + ". This device could not keep it (" + ((error && error.message) || "its storage failed") +
      ") and there is no connection, so it was not recorded: note it, and record it when the connection is back." });
    render();
  }

  function setUpCounter() {
    var data = document.getElementById("counter-state");
    if (!data) return;
    page = JSON.parse(data.textContent);
    if (!localStorage.getItem(CLOCK)) learnClock(page.as_of);
    document.querySelectorAll("form[data-queue]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var change = changeFrom(form, event.submitter);
        if ((change.kind === "undo" || change.kind === "details") && !change.key) return;
        if (change.kind === "end") form.closest("details").open = false;
        if (change.kind === "details") {
          form.closest("details").open = false;
          notify("Details will be saved for " + change.visitor + ".");
        }
        putChange(change).then(function () {
          changed();
          return flush();
        }, function (error) { notKept(form, event.submitter, change, error); });
      });
    });
    // A server answer for this session that another tab received: draw it, and check
    // whether a rolled-over counter can move on.
    setInterval(function () { render(); moveIfDone(); }, 30000);
  }

  // --- Offline pages -------------------------------------------------------------------------
  function setUpApp() {
    if (!("serviceWorker" in navigator)) return;
    navigator.serviceWorker.register("/staff/sw.js", { scope: "/staff/" }).catch(function () {});
    // Today's sessions: save each counter page now, so that it opens with no connection.
    var links = Array.prototype.map.call(document.querySelectorAll("a[data-counter-link]"), function (a) {
      return a.getAttribute("href");
    });
    // The service worker fetches and saves them, stamped with when this sign-in ends.
    if (links.length) {
      navigator.serviceWorker.ready.then(function (registration) {
        if (registration.active) registration.active.postMessage({ save: links });
      });
    }
    // Signing out removes the saved pages (changes still waiting stay until sent).
    var signOut = document.querySelector("form[data-sign-out]");
    if (signOut && window.caches) {
      signOut.addEventListener("submit", function (event) {
        event.preventDefault();
        caches.delete(PAGES_CACHE).then(function () { signOut.submit(); }, function () { signOut.submit(); });
      });
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    setUpApp();
    if (!window.indexedDB || !window.fetch || !window.AbortController) return;
    setUpCounter();
    // Taps are queued from here on; until then a form posts as a plain page would.
    document.documentElement.setAttribute("data-counter", "ready");
    if (channel) channel.onmessage = function () { render(); moveIfDone(); };
    window.addEventListener("online", function () { flush(true); });
    render().then(flush).then(moveIfDone);
  });
})();
