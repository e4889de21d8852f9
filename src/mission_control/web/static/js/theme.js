// Applies the saved theme before the page paints (loaded in <head>, no inline script).
"use strict";
(function () {
  try {
    var theme = window.localStorage.getItem("mc-theme");
    if (theme === "light" || theme === "dark") document.documentElement.dataset.theme = theme;
  } catch (err) {
    /* storage blocked: follow the system theme */
  }
})();
