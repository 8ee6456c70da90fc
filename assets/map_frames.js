/* The analysts' map (/map): no fade animation of MapLibre's labels and symbols.
   After its first idle, MapLibre fades every label that appears or moves for 300 ms, drawing a
   frame per animation step; without a GPU each frame is drawn in software and read back (100-160
   ms), so a drill paid several frames for the fades alone. plotly.js creates the map without a
   way to pass MapLibre's fadeDuration, so it is set on the map plotly made, as MapLibre's own
   constructor sets it from its option (tests/test_map_frames.py checks the bundled MapLibre still
   reads it there). Inert on pages without the map. */
(function () {
    "use strict";

    var GRAPH = "#map-graph .js-plotly-plot";

    function stillLabels() {
        var gd = document.querySelector(GRAPH);
        var full = gd && gd._fullLayout;
        var map = full && full.map && full.map._subplot && full.map._subplot.map;
        if (map && map._fadeDuration !== 0) {
            map._fadeDuration = 0;
        }
    }

    new MutationObserver(stillLabels).observe(document.documentElement, {childList: true, subtree: true});
}());
