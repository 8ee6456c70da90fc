/* The wall's places and cameras switches (layouts/screen_places.py): a click or the switch's key (5, 6)
   turns its layer on or off; callbacks/screen_places.py draws it. Inert on other pages. */
(function () {
    "use strict";

    document.addEventListener("keydown", function (event) {
        if (!document.getElementById("screen-root")) { return; }
        // Keys typed into a field (the unit search) are text, not commands.
        if (event.target.closest && event.target.closest("input, textarea, [contenteditable], .screen-search")) { return; }
        var button = document.querySelector(".screen-overlay-button[data-key='" + event.key + "']");
        if (button) { event.preventDefault(); button.click(); }
    });

    window.dash_clientside = Object.assign({}, window.dash_clientside, {
        screenPlaces: {
            /* Ready once the wall's first refresh has drawn its figure (then never sent again). */
            ready: function (sent, ready) {
                return sent && sent.geometry && ready !== true ? true : window.dash_clientside.no_update;
            },
            /* The layers chosen, with the clicked one turned over (before this wall's first choice: those drawn). */
            toggle: function () {
                var chosen = arguments[arguments.length - 2], shown = arguments[arguments.length - 1];
                var context = window.dash_clientside.callback_context;
                var clicked = context.triggered_id ? String(context.triggered_id).replace("screen-overlay-", "") : null;
                var layers = ((chosen && chosen.layers) || (shown && shown.layers) || []).slice();
                if (!clicked) { return window.dash_clientside.no_update; }
                var at = layers.indexOf(clicked);
                if (at >= 0) { layers.splice(at, 1); } else { layers.push(clicked); }
                return {layers: layers};
            }
        }
    });
})();
