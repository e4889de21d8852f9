// Gateways (admin): registered OpenClaw gateways, add (token stored encrypted), delete.
"use strict";
(function () {
  var h = MC.h;
  var rowsEl = document.getElementById("gateway-rows");
  var dialog = document.getElementById("gateway-dialog");
  var form = document.getElementById("gateway-form");

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
      var del = null;
      if (g.id !== null && g.id !== undefined) {
        del = h("button", { type: "button", class: "small danger", text: "Remove" });
        del.addEventListener("click", function () {
          if (!window.confirm("Remove gateway " + g.name + "?")) return;
          MC.act(del, async function () {
            await MC.api("DELETE", "/api/gateways/" + g.id);
            load();
          });
        });
      }
      var status = g.status || (g.last_error ? "error" : "unknown");
      rowsEl.appendChild(h("tr", {}, h("td", {}, h("strong", { text: g.name }), g.is_primary ? " " : null, g.is_primary ? MC.badge("primary") : null, g.source === "env" ? h("div", { class: "small muted", text: "from the environment" }) : null), h("td", { class: "hide-narrow mono small", text: g.url || "" }),
        h("td", {}, MC.badge(status, status === "online" || status === "connected" ? "ok" : status === "error" || status === "offline" ? "fail" : ""), g.last_error ? h("div", { class: "small error", text: g.last_error }) : null),
        h("td", { class: "hide-narrow", text: g.has_token ? (g.has_device_token ? "token + device token" : "token") : "none" }), h("td", { class: "actions" }, del)));
    });
  }

  var probe = document.getElementById("probe-gateways");
  probe.addEventListener("click", async function () {
    var report = await MC.act(probe, function () { return MC.api("GET", "/api/gateways/health"); });
    if (!report) return;
    var list = MC.clear(document.getElementById("probe-list"));
    (report.results || []).forEach(function (r) {
      list.appendChild(h("li", {}, MC.badge(r.status, r.status === "online" ? "ok" : "fail"), h("strong", { text: r.name }),
        h("span", { class: "grow small muted", text: [r.error, r.guidance, r.latency_ms !== undefined && r.latency_ms !== null ? r.latency_ms + " ms" : ""].filter(Boolean).join(" · ") })));
    });
    if (!list.children.length) list.appendChild(h("li", { class: "muted", text: "No gateway to probe." }));
    load();
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
