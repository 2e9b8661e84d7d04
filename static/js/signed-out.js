// On the sign-in pages: no one is signed in here, so the counter pages saved on this device
// for offline use (templates/visits/app/sw.js) go. Changes still waiting to be sent stay
// (IndexedDB), each kept for the officer who made it.
(function () {
  "use strict";
  if (window.caches) caches.delete("counter-pages").catch(function () {});
})();
