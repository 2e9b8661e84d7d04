// Admin: place a contact point by clicking the map. Progressive enhancement: the
// latitude and longitude inputs work on their own if Leaflet or the tiles do not load.
(function () {
  "use strict";
  function init(el) {
    if (!window.L) return;
    var lat = document.getElementById(el.dataset.latitudeInput);
    var lon = document.getElementById(el.dataset.longitudeInput);
    if (!lat || !lon) return;
    var config = JSON.parse(document.getElementById("map-config").textContent);
    var start = lat.value && lon.value ? [parseFloat(lat.value), parseFloat(lon.value)] : config.center;
    var map = L.map(el).setView(start, lat.value ? 16 : config.zoom);
    L.tileLayer(config.tiles, { attribution: config.attribution, maxZoom: 19 }).addTo(map);
    var marker = null;
    function place(latlng) {
      lat.value = latlng.lat.toFixed(6);
      lon.value = latlng.lng.toFixed(6);
      if (marker) {
        marker.setLatLng(latlng);
      } else {
        // A CSS pin rather than Leaflet's image icon, whose path detection
        // does not survive hashed static file names.
        marker = L.marker(latlng, {
          draggable: true, keyboard: true, title: "Contact point",
          icon: L.divIcon({ className: "location-pin", iconSize: [18, 18] })
        }).addTo(map);
        marker.on("dragend", function () { place(marker.getLatLng()); });
      }
    }
    if (lat.value && lon.value) place(L.latLng(start[0], start[1]));
    map.on("click", function (event) { place(event.latlng); });
    function fromInputs() {
      var a = parseFloat(lat.value), b = parseFloat(lon.value);
      if (!isNaN(a) && !isNaN(b)) { place(L.latLng(a, b)); map.panTo([a, b]); }
    }
    lat.addEventListener("change", fromInputs);
    lon.addEventListener("change", fromInputs);
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-location-picker]").forEach(init);
  });
})();
