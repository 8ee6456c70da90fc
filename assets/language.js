/* The UI language in the browser: the 中文/EN switch and the date pickers' month and day names.
 *
 * The choice lives in the "lang" cookie (layouts/i18n.py LANGUAGE_COOKIE): the server reads it to
 * build every page in that language, so a switch stores it and reloads the page. Dash's date
 * pickers take their month and day names from window.dateFns.locale, picked by the browser's own
 * language; keeping there only the chosen locale (zh-CN, vendored in date-fns-locale-zh-CN.min.js)
 * makes them follow the UI instead. */
(function () {
    var COOKIE = "lang";
    var YEAR_S = 365 * 24 * 3600;

    function chosenLanguage() {
        var match = document.cookie.match(/(?:^|;\s*)lang=(zh|en)(?:;|$)/);
        return match ? match[1] : "zh";
    }

    function useDateNames(language) {
        var locales = (window.dateFns && window.dateFns.locale) || {};
        var chinese = locales.zhCN || (window.cityVitalsLocales || {}).zhCN;
        window.cityVitalsLocales = {zhCN: chinese};
        window.dateFns = Object.assign({}, window.dateFns, {locale: language === "zh" && chinese ? {zhCN: chinese} : {}});
    }

    /* Dash 4's number fields (and the date picker's year field) name their stepper buttons in English
     * only ("Decrease value"), and its date picker its month buttons ("Previous month"), with no
     * property to change it: name them in Chinese once drawn. */
    var STEPPER_LABELS_ZH = {"dash-stepper-decrement": "减小数值", "dash-stepper-increment": "增大数值"};
    var DATEPICKER_LABELS_ZH = {"Previous month": "上个月", "Next month": "下个月", "Clear date": "清除日期",
                                "Close calendar": "关闭日历"};
    var steppersPending = false;

    function nameSteppers() {
        steppersPending = false;
        document.querySelectorAll(".dash-input-stepper").forEach(function (button) {
            Object.keys(STEPPER_LABELS_ZH).forEach(function (kind) {
                if (button.classList.contains(kind) && button.getAttribute("aria-label") !== STEPPER_LABELS_ZH[kind]) {
                    button.setAttribute("aria-label", STEPPER_LABELS_ZH[kind]);
                }
            });
        });
        Object.keys(DATEPICKER_LABELS_ZH).forEach(function (english) {
            document.querySelectorAll('[aria-label="' + english + '"]').forEach(function (element) {
                element.setAttribute("aria-label", DATEPICKER_LABELS_ZH[english]);
            });
        });
    }

    function watchSteppers() {
        new MutationObserver(function () {
            if (!steppersPending) {
                steppersPending = true;
                window.requestAnimationFrame(nameSteppers);
            }
        }).observe(document.documentElement, {childList: true, subtree: true});
    }

    useDateNames(chosenLanguage());
    document.documentElement.lang = chosenLanguage() === "en" ? "en" : "zh-CN";
    if (chosenLanguage() === "zh") {
        watchSteppers();
    }

    window.dash_clientside = Object.assign({}, window.dash_clientside, {
        language: {
            /* Store the language of the button pressed and rebuild the page in it; nothing without a press. */
            choose: function (zhClicks, enClicks) {
                var noUpdate = window.dash_clientside.no_update;
                if (!(zhClicks || enClicks)) {
                    return noUpdate;
                }
                var triggered = window.dash_clientside.callback_context.triggered || [];
                var pressed = triggered.length && triggered[0].prop_id.indexOf("lang-en.") === 0 ? "en" : "zh";
                document.cookie = COOKIE + "=" + pressed + "; path=/; max-age=" + YEAR_S + "; SameSite=Lax";
                window.location.reload();
                return pressed;
            }
        }
    });
})();
