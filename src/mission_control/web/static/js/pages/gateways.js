// Gateways (admin): registered OpenClaw gateways, add (token stored encrypted), delete.
"use strict";
(function () {
  var h = MC.h;
  var rowsEl = document.getElementById("gateway-rows");
  var dialog = document.getElementById("gateway-dialog");
  var form = document.getElementById("gateway-form");
  var probed = {}; // last POST /api/gateways/health result by id ("env" for the environment's)

  async function load() {
    MC.clear(rowsEl);
    var data;
    try {
      data = await MC.api("GET", "/api/gateways");
    } catch (err) {
      rowsEl.appendChild(h("tr", {}, h("td", { colspan: 5, class: "error", text: err.message })));
      return;
    }
    var gateways = data.gateways || [];
    if (!gateways.length) rowsEl.appendChild(h("tr", {}, h("td", { colspan: 5 }, MC.empty("No gateways", "Add one with “Add gateway”, or set OPENCLAW_GATEWAY_URL and OPENCLAW_GATEWAY_TOKEN."))));
    gateways.forEach(function (g) {
      var del = h("button", { type: "button", class: "small danger", text: "Remove" });
      del.addEventListener("click", function () {
        if (!window.confirm("Remove gateway " + g.name + "?")) return;
        MC.act(del, async function () {
          await MC.api("DELETE", "/api/gateways", { id: g.id });
          load();
        });
      });
      var result = probed[g.id === null ? "env" : g.id];
      var status = (result && result.status) || g.status || (g.last_error ? "error" : "unknown");
      var problem = result ? result.error : g.last_error;
      var tone = status === "online" ? "ok" : status === "error" || status === "offline" ? "fail" : "";
      // The gateway from OPENCLAW_GATEWAY_* (id null) is configured by the environment, not here.
      var action = g.id === null ? h("span", { class: "small muted", text: "environment" }) : del;
      rowsEl.appendChild(h("tr", {}, h("td", {}, h("strong", { text: g.name })), h("td", { class: "hide-narrow mono small", text: g.url || "" }),
        h("td", {}, MC.badge(status, tone), problem ? h("div", { class: "small error", text: problem }) : null,
          result && result.guidance ? h("div", { class: "small muted", text: result.guidance }) : null),
        h("td", { class: "hide-narrow", text: g.has_token ? "stored" : "none" }), h("td", { class: "actions" }, action)));
    });
  }

  var check = document.getElementById("check-gateways");
  check.addEventListener("click", function () {
    MC.act(check, async function () {
      var report = await MC.api("POST", "/api/gateways/health");
      probed = {};
      (report.results || []).forEach(function (r) { probed[r.id === null ? "env" : r.id] = r; });
      load();
    });
  });

  document.getElementById("new-gateway").addEventListener("click", function () {
    form.reset();
    MC.clearError(document.getElementById("gateway-save"));
    MC.openDialog(dialog, "#gw-name");
  });
  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    var f = form.elements;
    var payload = { name: f.name.value.trim(), url: f.url.value.trim() };
    if (f.token.value) payload.token = f.token.value;
    var done = await MC.act(document.getElementById("gateway-save"), function () { return MC.api("POST", "/api/gateways", payload); });
    if (done) {
      dialog.close();
      load();
    }
  });
  load();
})();
