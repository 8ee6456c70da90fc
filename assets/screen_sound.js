/* The wall's optional red-alert sound (layouts/screen_sound.py). callbacks/screen_sound.py sends, on
   each refresh, whether the sound is configured and the keys of the red alerts firing now; the tone
   plays once when a key appears that this page has not seen (never for those open when it loaded).
   Browsers play sound only after a gesture on the page: until one came, the hint asks for a click or
   a key. window.cityScreenSound counts the tones asked for and those played to their end, and says whether
   sound is allowed. */
(function () {
    "use strict";

    var status = window.cityScreenSound = {plays: 0, heard: 0, unlocked: false};
    var audio = null, seen = null, enabled = false;

    function hint() { return document.getElementById("screen-sound-hint"); }

    function setProps(id, props) {
        if (window.dash_clientside && window.dash_clientside.set_props) {
            window.dash_clientside.set_props(id, props);
        }
    }

    function showAllowed() {
        var node = hint();
        if (node) { setProps("screen-sound-hint", {children: node.getAttribute("data-on"), className: "screen-sound-hint screen-sound-on"}); }
    }

    /* A gesture lets the page play sound: prove it with a muted play, then say the sound is on. */
    function unlock() {
        if (!enabled || status.unlocked || !audio) { return; }
        audio.muted = true;
        var playing = audio.play();
        if (!playing || !playing.then) { return; }
        playing.then(function () {
            if (!busy) { audio.pause(); audio.currentTime = 0; audio.muted = false; }    // a tone may have begun since
            status.unlocked = true;
            showAllowed();
        }).catch(function () { audio.muted = false; });
    }
    document.addEventListener("click", unlock, true);
    document.addEventListener("keydown", unlock, true);

    /* One tone per new red alert, one after the other (at most MAX_TONES waiting). */
    var MAX_TONES = 3, tonesLeft = 0, busy = false;
    function playTone() {
        busy = true;
        audio.muted = false; audio.currentTime = 0;
        var playing = audio.play();
        if (playing && playing.then) {
            playing.then(function () { status.unlocked = true; showAllowed(); })
                   .catch(function () { status.unlocked = false; busy = false; tonesLeft = 0; });
        }
    }
    function ring(count) {
        status.plays += Math.min(count, MAX_TONES);
        tonesLeft = Math.min(tonesLeft + count, MAX_TONES);
        if (!busy) { tonesLeft -= 1; playTone(); }
    }
    function onEnded() {
        if (!busy) { return; }            // the muted play that proved a gesture, not a tone
        busy = false;
        status.heard += 1;
        if (tonesLeft > 0) { tonesLeft -= 1; playTone(); }
    }

    window.dash_clientside = Object.assign({}, window.dash_clientside, {
        screenSound: {
            /* Compare the red alerts with those seen; return the hint's hidden flag and text. */
            update: function (state) {
                var node = hint();
                if (!state || !state.enabled || !node) { enabled = false; return [true, window.dash_clientside.no_update]; }
                enabled = true;
                if (!audio) { audio = new Audio(state.src); audio.preload = "auto"; audio.addEventListener("ended", onEnded); }
                var red = state.red || [];
                var fresh = seen === null ? [] : red.filter(function (key) { return !seen.has(key); });
                if (seen === null) { seen = new Set(); }
                red.forEach(function (key) { seen.add(key); });
                if (fresh.length) { ring(fresh.length); }
                return [false, node.getAttribute(status.unlocked ? "data-on" : "data-enable")];
            }
        }
    });
})();
