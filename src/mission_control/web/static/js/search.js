// The topbar search over tasks, agents, activity (and audit for admins): /api/search.
"use strict";
(function () {
  var h = MC.h;
  var form = document.getElementById("search-form");
  var input = document.getElementById("search-input");
  var results = document.getElementById("search-results");
  var timer = null;
  var seq = 0;

  function target(r) {
    if (r.type === "task") return "/tasks?task=" + encodeURIComponent(r.id);
    if (r.type === "agent") return "/agents?agent=" + encodeURIComponent(r.title);
    if (r.type === "audit") return "/audit";
    return "/activity";
  }

  async function search() {
    var q = input.value.trim();
    var mine = ++seq;
    if (q.length < 2) {
      results.hidden = true;
      return;
    }
    try {
      var data = await MC.api("GET", "/api/search" + MC.qs({ q: q }));
      if (mine !== seq) return;
      MC.clear(results);
      (data.results || []).slice(0, 12).forEach(function (r) {
        results.appendChild(h("li", { role: "option" }, h("a", { href: target(r) }, MC.badge(r.type), " ", h("strong", { text: r.title }), r.subtitle ? h("span", { class: "small muted", text: r.subtitle }) : null)));
      });
      if (!results.children.length) results.appendChild(h("li", { class: "muted small", text: "Nothing matches “" + q + "”." }));
      results.hidden = false;
      MC.clearError(input);
    } catch (err) {
      MC.showError(input, err);
    }
  }
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(search, 250);
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    search();
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Escape") results.hidden = true;
    if (event.key === "ArrowDown" && !results.hidden) {
      var first = results.querySelector("a");
      if (first) {
        event.preventDefault();
        first.focus();
      }
    }
  });
  results.addEventListener("keydown", function (event) {
    var links = Array.prototype.slice.call(results.querySelectorAll("a"));
    var i = links.indexOf(document.activeElement);
    if (event.key === "ArrowDown" && i < links.length - 1) { event.preventDefault(); links[i + 1].focus(); }
    if (event.key === "ArrowUp") { event.preventDefault(); (i > 0 ? links[i - 1] : input).focus(); }
    if (event.key === "Escape") { results.hidden = true; input.focus(); }
  });
  document.addEventListener("click", function (event) {
    if (!form.contains(event.target)) results.hidden = true;
  });
})();
