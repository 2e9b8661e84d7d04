// "Use my location": progressive enhancement of the finder's form. Without JavaScript or
// geolocation the button never appears and the postcode box works as before.
(function () {
  "use strict";
  var MESSAGES = {
    1: "You chose not to share your location. Enter a postcode or place instead.",
    2: "Your location is not available just now. Enter a postcode or place instead.",
    3: "Finding your location took too long. Try again, or enter a postcode or place."
  };
  function init(form) {
    var wrapper = form.querySelector("[data-locate]");
    if (!wrapper || !("geolocation" in navigator)) return;
    var button = form.querySelector("[data-locate-button]");
    var message = form.querySelector("[data-locate-message]");
    var lat = form.querySelector("[data-locate-lat]");
    var lon = form.querySelector("[data-locate-lon]");
    wrapper.hidden = false;
    button.addEventListener("click", function () {
      button.disabled = true;
      message.textContent = "Finding your location…";
      navigator.geolocation.getCurrentPosition(
        function (position) {
          lat.value = position.coords.latitude.toFixed(6);
          lon.value = position.coords.longitude.toFixed(6);
          lat.disabled = false;
          lon.disabled = false;
          var q = form.querySelector("input[name=q]");
          if (q) q.value = "";
          message.textContent = "Found your location. Searching…";
          form.submit();
        },
        function (error) {
          button.disabled = false;
          message.textContent = MESSAGES[error.code] || MESSAGES[2];
        },
        { enableHighAccuracy: false, timeout: 15000, maximumAge: 60000 }
      );
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-locate-form]").forEach(init);
  });
})();
