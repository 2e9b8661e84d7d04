// Draws the points listed on the page on a Leaflet map. The list on the page is the
// primary content; without JavaScript, Leaflet or map tiles, nothing is lost.
(function () {
  "use strict";
  // Names are data: shown as text, never read as HTML (Leaflet reads a string as HTML).
  function text(value) {
    var span = document.createElement("span");
    span.textContent = value;
    return span;
  }
  function readJSON(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }
  document.addEventListener("DOMContentLoaded", function () {
    var el = document.querySelector("[data-map]");
    var config = readJSON("map-config");
    var points = readJSON("map-points") || [];
    if (!el || !window.L || !config) return;
    el.classList.add("map--ready");
    var map = L.map(el, { scrollWheelZoom: false });
    var bounds = points.map(function (p) { return [p.lat, p.lon]; });
    if (bounds.length === 1) map.setView(bounds[0], 16);
    else if (bounds.length > 1) map.fitBounds(bounds, { padding: [24, 24], maxZoom: 16 });
    else map.setView(config.center, config.zoom);
    L.tileLayer(config.tiles, { attribution: config.attribution, maxZoom: 19 }).addTo(map);
    points.forEach(function (p) {
      if (p.you) {
        // Where the resident searched from: a different shape and colour, no link.
        L.circleMarker([p.lat, p.lon], {
          radius: 7, color: "#0b0c0c", weight: 3, fillColor: "#ffdd00", fillOpacity: 1
        }).addTo(map).bindTooltip(text(p.name));
        return;
      }
      var marker = L.circleMarker([p.lat, p.lon], {
        radius: 9, color: "#0b0c0c", weight: 2, fillColor: "#1d70b8", fillOpacity: 0.9
      }).addTo(map);
      var link = document.createElement("a");
      link.href = p.url;
      link.textContent = p.name;
      marker.bindPopup(link);
      marker.bindTooltip(text(p.name));
    });
  });
})();
