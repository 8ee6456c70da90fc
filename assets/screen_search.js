/* The wall's unit search (layouts/screen_search.py): "/" or "f" opens it and opens its list, Esc
   closes it; with the box closed, Esc takes the map back to the whole city. Keyboard only: the wall
   has no mouse. assets/screen.js leaves keys typed into the box alone. Inert on other pages. */
(function () {
    "use strict";

    var OPEN_KEYS = {"/": 1, f: 1, F: 1};
    var OPEN_CLASS = "screen-search screen-search-open", CLOSED_CLASS = "screen-search";

    function box() { return document.getElementById("screen-search-box"); }
    function isOpen() { var node = box(); return !!node && node.className.indexOf("screen-search-open") >= 0; }

    function setProps(id, props) {
        if (window.dash_clientside && window.dash_clientside.set_props) {
            window.dash_clientside.set_props(id, props);
        }
    }

    /* Once the box shows, open the list and put the cursor in its search field, which takes the keys
       typed next (tried for a second: the box and the list each need a frame to appear). */
    function focusSearch(triesLeft) {
        var trigger = document.getElementById("screen-search");
        var field = document.querySelector(".dash-dropdown-search");
        if (field && trigger && trigger.getAttribute("aria-expanded") === "true") { field.focus(); return; }
        if (trigger && trigger.offsetParent !== null && trigger.getAttribute("aria-expanded") !== "true") { trigger.click(); }
        if (triesLeft > 0) { setTimeout(function () { focusSearch(triesLeft - 1); }, 50); }
    }

    function open() {
        setProps("screen-search-box", {className: OPEN_CLASS});
        focusSearch(20);
    }

    function close() { setProps("screen-search-box", {className: CLOSED_CLASS}); }

    document.addEventListener("keydown", function (event) {
        if (!document.getElementById("screen-root") || event.ctrlKey || event.metaKey || event.altKey) { return; }
        if (isOpen()) {
            if (event.key === "Escape") { close(); }
            return;
        }
        if (OPEN_KEYS[event.key]) { event.preventDefault(); open(); }
        else if (event.key === "Escape" && document.querySelector("#screen-focus-note .screen-focus-unit")) {
            setProps("screen-search", {value: null});
        }
    });

    // A closed box must not keep the focus, or the wall's own keys (scenes, layers) would stay off.
    setInterval(function () {
        var node = box();
        if (node && !isOpen() && node.contains(document.activeElement)) { document.activeElement.blur(); }
    }, 300);
})();
