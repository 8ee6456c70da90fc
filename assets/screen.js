/* The wall screen (/screen): keys and presenter remotes, the clock, the map's box size, the pulse of
   the newest events, and the clientside callbacks of callbacks/screen.py. Inert on other pages. */
(function () {
    "use strict";

    var NEXT = {PageDown: 1, ArrowRight: 1, ArrowDown: 1};
    var PREV = {PageUp: 1, ArrowLeft: 1, ArrowUp: 1};
    var HOLD = {" ": 1, Spacebar: 1, Enter: 1, ".": 1, b: 1, B: 1};     // remotes send "." or "b" for blank
    var LAYER_KEYS = {"1": 0, "2": 1, "3": 2, "4": 3};
    var PULSE_MS = 700;
    var RETRY_RELOAD_MS = 60000;

    function root() { return document.getElementById("screen-root"); }

    function setProps(id, props) {
        if (window.dash_clientside && window.dash_clientside.set_props) {
            window.dash_clientside.set_props(id, props);
        }
    }

    /* Scene state lives here, so fast presses never lose a step; Dash sees it through set_props. */
    var state = null, config = null, rotateTimer = null;

    function readConfig() {
        var node = root();
        return node ? JSON.parse(node.getAttribute("data-config")) : null;
    }

    function publish() {
        setProps("screen-scene", {data: {index: state.index, hold: state.hold, manual: state.manual}});
    }

    function move(action) {
        var n = config.scenes.length;
        if (action === "hold") { state.hold = !state.hold; }
        else { state.index = (state.index + (action === "next" ? 1 : n - 1)) % n; }
        state.manual = Date.now();
        publish();
    }

    function pickLayer(layer) {
        setProps("screen-layer", {data: {layer: layer, scene: config.scenes[state.index]}});
    }

    function rotate() {
        if (!state || state.hold || Date.now() - state.manual < config.rotate_ms / 2) { return; }
        state.index = (state.index + 1) % config.scenes.length;
        publish();
    }

    function start() {
        config = readConfig();
        state = {index: config.start, hold: false, manual: 0};
        if (config.rotate_ms) { rotateTimer = setInterval(rotate, config.rotate_ms); }
    }

    function stop() {
        clearInterval(rotateTimer);
        state = config = rotateTimer = null;
    }

    document.addEventListener("keydown", function (event) {
        if (!root() || !state) { return; }
        // Keys typed into a field (the unit search, assets/screen_search.js) are text, not commands.
        if (event.target.closest && event.target.closest("input, textarea, [contenteditable], .screen-search")) { return; }
        var action = NEXT[event.key] ? "next" : PREV[event.key] ? "prev" : HOLD[event.key] ? "hold" : null;
        if (action) { event.preventDefault(); move(action); }
        else if (event.key in LAYER_KEYS) { event.preventDefault(); pickLayer(config.layers[LAYER_KEYS[event.key]]); }
    });

    document.addEventListener("click", function (event) {
        var button = event.target.closest && event.target.closest(".screen-layer-button");
        if (button && state) { pickLayer(button.getAttribute("data-layer")); }
    });

    /* The clock shows the city's time, once a second: its zone comes with the first refresh (the "as of"
       label carries data-tz); until then the clock stays empty rather than show another zone's time. */
    var clockFormat = null, clockZone = null;
    function tickClock() {
        var clock = document.getElementById("screen-clock");
        var zoned = document.querySelector("#screen-asof [data-tz]");
        if (!clock || !zoned) { return; }
        var zone = zoned.getAttribute("data-tz");
        if (zone !== clockZone) {
            clockZone = zone;
            clockFormat = new Intl.DateTimeFormat("zh-CN", {
                timeZone: zone, hour12: false,
                year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit"
            });
        }
        clock.textContent = clockFormat.format(new Date()).replace(/\//g, "-");
    }

    /* The map box's size goes to the server, which fits the city into it (once per size), clear of
       what covers the map. A wide box keeps the places legend at its left and the layer's colour bar at
       its right; a tall box (below: 1) puts both across its bottom, where a city wider than the box is
       tall leaves room, and keeps the city under the layer buttons. */
    var lastSize = "", settling = "";
    var BAR_ROOM_U = 9;     // a colour bar across the map's bottom: its title, bar and ticks, in units u
    function rect(selector) {
        var element = document.querySelector(selector);
        return element && element.childElementCount ? element.getBoundingClientRect() : null;
    }
    function coveredSides(box, gap, below) {
        var outer = box.getBoundingClientRect(), sides = {l: 0, r: 0, t: 0, b: 0};
        var barElement = box.querySelector(".colorbar"), bar = barElement && barElement.getBoundingClientRect();
        // Until the colour bar is drawn under a tall map, its usual height is kept for it.
        var barTop = bar ? bar.top : outer.bottom - (below ? gap * BAR_ROOM_U : 0);
        // Under a tall map the legend stands on the colour bar: place it before measuring it.
        document.getElementById("screen-map-box").style.setProperty("--legend-bottom", (outer.bottom - barTop) + "px");
        var legend = rect("#screen-map-box > .screen-overlay-legend");
        if (below) {
            sides.b = outer.bottom - Math.min(legend ? legend.top : barTop, barTop) + gap;
            var buttons = rect("#screen-map-box > .screen-overlays") || rect("#screen-map-box > .screen-layers");
            if (buttons) { sides.t = buttons.bottom - outer.top + gap; }
        } else {
            if (legend) { sides.l = legend.right - outer.left + gap; }
            if (bar) { sides.r = outer.right - bar.left + gap; }
        }
        Object.keys(sides).forEach(function (side) { sides[side] = Math.max(0, Math.round(sides[side])); });
        return sides;
    }
    function measureMap() {
        var box = document.getElementById("screen-map"), mapBox = document.getElementById("screen-map-box");
        if (!box || !mapBox) { return; }
        var below = box.clientWidth < box.clientHeight ? 1 : 0;
        mapBox.classList.toggle("screen-legends-below", below === 1);
        // u: the stylesheet's unit (1% of the largest 16:9 box), so the map's text matches the panels'.
        var u = Math.min(window.innerHeight / 100, window.innerWidth * 0.005625);
        var sides = coveredSides(box, u, below);
        var size = {w: Math.round(box.clientWidth), h: Math.round(box.clientHeight), u: Math.round(u * 100) / 100,
                    l: sides.l, r: sides.r, t: sides.t, b: sides.b, below: below};
        var key = [size.w, size.h, size.u, sides.l, sides.r, sides.t, sides.b, below].join(",");
        if (size.w > 0 && size.h > 0 && key !== lastSize) {
            // After the first, a new size is sent once two measures a second apart agree: a legend being
            // drawn or a window being resized asks for one new fit, not one per step.
            if (lastSize && key !== settling) { settling = key; return; }
            lastSize = key;
            setProps("screen-viewport", {data: size});
        }
    }

    /* The newest events breathe: their marker grows and fades in turn. */
    var pulseOn = false, pulseBase = 16;
    function pulse() {
        var graph = document.querySelector("#screen-map .js-plotly-plot");
        var subplot = graph && graph._fullLayout && graph._fullLayout.map && graph._fullLayout.map._subplot;
        // Never while MapLibre is still loading its style: an update then fails inside plotly.
        if (!graph || !graph.data || !window.Plotly || !subplot || !subplot.map || !subplot.map.isStyleLoaded()) { return; }
        for (var i = 0; i < graph.data.length; i++) {
            if (graph.data[i].name === "newest" && graph.data[i].lon && graph.data[i].lon.length) {
                var size = graph.data[i].marker.size;
                if (!pulseOn) { pulseBase = size; }
                pulseOn = !pulseOn;
                window.Plotly.restyle(graph, {"marker.size": pulseOn ? pulseBase * 1.7 : pulseBase,
                                              "marker.opacity": pulseOn ? 0.35 : 0.95}, [i]);
                return;
            }
        }
    }

    var resizeTimer = null;
    window.addEventListener("resize", function () {
        clearTimeout(resizeTimer);
        resizeTimer = setTimeout(measureMap, 300);
    });
    setInterval(function () {
        if (!root()) { lastSize = ""; clockFormat = null; if (state) { stop(); } return; }
        if (!state) { start(); }
        tickClock();
        measureMap();
    }, 1000);
    // The first refresh waits for the map box's size, so measure it as soon as the box exists.
    var firstMeasure = setInterval(function () {
        if (document.getElementById("screen-map")) { measureMap(); if (!state) { start(); } }
        if (lastSize) { clearInterval(firstMeasure); }
    }, 50);
    setInterval(function () { if (root() && !document.hidden) { pulse(); } }, PULSE_MS);

    function reloadWhenServerAnswers() {
        fetch(window.location.href, {cache: "no-store", credentials: "same-origin"}).then(function (answer) {
            if (answer.ok) { window.location.reload(); } else { setTimeout(reloadWhenServerAnswers, RETRY_RELOAD_MS); }
        }).catch(function () { setTimeout(reloadWhenServerAnswers, RETRY_RELOAD_MS); });
    }

    var noUpdate = function () { return window.dash_clientside.no_update; };

    window.dash_clientside = Object.assign({}, window.dash_clientside, {
        screen: {
            /* The active layer's button is lit. */
            markLayer: function (choice, scene, config) {
                var name = config.scenes[((scene || {}).index || 0) % config.scenes.length];
                var active = choice && choice.scene === name ? choice.layer : config.scene_layers[name];
                return config.layers.map(function (layer) {
                    return "screen-layer-button" + (layer === active ? " screen-layer-active" : "");
                });
            },
            /* The periodic hard reload, only when the server answers (a dead server keeps the old page up). */
            reload: function () {
                reloadWhenServerAnswers();
                return true;
            }
        }
    });
})();
