/* The navigation bar's menus (layouts/components.py, native <details>): closed once a page is chosen,
   on a click anywhere else, and on Escape, as a menu is expected to behave. */
(function () {
    "use strict";

    function closeMenus(keep) {
        document.querySelectorAll("details.nav-menu[open]").forEach(function (menu) {
            if (menu !== keep) { menu.removeAttribute("open"); }
        });
    }

    document.addEventListener("click", function (event) {
        var target = event.target instanceof Element ? event.target : null;
        var menu = target && target.closest("details.nav-menu");
        closeMenus(menu && !target.closest(".nav-menu-link") ? menu : null);
    });
    document.addEventListener("keydown", function (event) {
        if (event.key === "Escape") { closeMenus(null); }
    });
})();
