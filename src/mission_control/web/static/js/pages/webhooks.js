// Webhooks (admin): create (secret shown once), edit, enable/disable, regenerate the secret,
// reset an open circuit, send a test, delete; the delivery log with retry.
"use strict";
(function () {
  var h = MC.h;
  var rowsEl = document.getElementById("webhook-rows");
  var dialog = document.getElementById("webhook-dialog");
  var form = document.getElementById("webhook-form");
  var secretBox = document.getElementById("webhook-secret");
  var LIMIT = 25;
  var offset = 0;
  var selected = null;

  function button(text, cls, handler) {
    var b = h("button", { type: "button", class: "small " + (cls || ""), text: text });
    b.addEventListener("click", function () { MC.act(b, function () { return handler(b); }); });
    return b;
  }

  async function load() {
    MC.clear(rowsEl);
    var data;
    try {
      data = await MC.api("GET", "/api/webhooks");
    } catch (err) {
      rowsEl.appendChild(h("tr", {}, h("td", { colspan: 6, class: "error", text: err.message })));
      return;
    }
    var hooks = data.webhooks || [];
    if (!hooks.length) rowsEl.appendChild(h("tr", {}, h("td", { colspan: 6 }, MC.empty("No webhooks", "Add one with “New webhook” to push task, agent and security events to another system."))));
    hooks.forEach(function (w) {
      var status = w.circuit_open ? MC.badge("circuit open", "fail") : w.enabled ? MC.badge("enabled", "ok") : MC.badge("disabled");
      var actions = h("td", { class: "actions" },
        button("Test", "", async function () {
          var r = await MC.api("POST", "/api/webhooks/test", { id: w.id });
          if (!r.success) throw new Error("Test failed: " + (r.error || "HTTP " + r.status_code));
          loadDeliveries();
        }),
        button("Log", "", async function () { selected = w; offset = 0; loadDeliveries(); }),
        button("Edit", "", async function () { openForm(w); }),
        button(w.enabled ? "Disable" : "Enable", "", async function () {
          await MC.api("PUT", "/api/webhooks", { id: w.id, enabled: !w.enabled });
          load();
        }),
        w.circuit_open ? button("Reset circuit", "", async function () {
          await MC.api("PUT", "/api/webhooks", { id: w.id, reset_circuit: true });
          load();
        }) : null,
        button("New secret", "", async function () {
          if (!window.confirm("Replace the signing secret of " + w.name + "? The receiver must be updated.")) return;
          var r = await MC.api("PUT", "/api/webhooks", { id: w.id, regenerate_secret: true });
          if (r.secret) MC.secretOnce(secretBox, "New signing secret for " + w.name, r.secret);
        }),
        button("Delete", "danger", async function () {
          if (!window.confirm("Delete webhook " + w.name + "?")) return;
          await MC.api("DELETE", "/api/webhooks", { id: w.id });
          load();
        })
      );
      rowsEl.appendChild(h("tr", {},
        h("td", {}, h("strong", { text: w.name }), h("div", { class: "small muted", text: "secret " + (w.secret || "") })),
        h("td", { class: "hide-narrow mono small", text: w.url }),
        h("td", { class: "small", text: (w.events || []).join(", ") }),
        h("td", {}, status, w.last_fired_at ? h("div", { class: "small muted" }, "last ", MC.time(w.last_fired_at)) : null),
        h("td", { class: "hide-narrow small", text: (w.successful_deliveries || 0) + " ok · " + (w.failed_deliveries || 0) + " failed" }),
        actions));
    });
  }

  async function loadDeliveries() {
    var rows = MC.clear(document.getElementById("delivery-rows"));
    document.getElementById("delivery-scope").textContent = selected ? selected.name : "All webhooks";
    try {
      var data = await MC.api("GET", "/api/webhooks/deliveries" + MC.qs({ webhook_id: selected ? selected.id : "", limit: LIMIT, offset: offset }));
      var items = data.deliveries || [];
      items.forEach(function (d) {
        var ok = d.status_code >= 200 && d.status_code < 300;
        rows.appendChild(h("tr", {},
          h("td", {}, MC.time(d.created_at)), h("td", { class: "mono small", text: d.event_type }),
          h("td", {}, MC.badge(d.status_code ? String(d.status_code) : "no answer", ok ? "ok" : "fail")),
          h("td", { class: "hide-narrow small", text: d.duration_ms !== null && d.duration_ms !== undefined ? d.duration_ms + " ms" : "" }),
          h("td", { class: "hide-narrow", text: d.attempt }),
          h("td", { class: "small", text: d.error || "" }),
          h("td", { class: "actions" }, ok ? null : button("Retry", "", async function () {
            await MC.api("POST", "/api/webhooks/retry", { delivery_id: d.id });
            loadDeliveries();
          }))));
      });
      if (!items.length) rows.appendChild(h("tr", {}, h("td", { colspan: 7, class: "muted", text: "No deliveries yet. Use “Test” to send a test.ping." })));
      MC.pager(document.getElementById("delivery-pager"), data.total || items.length, LIMIT, offset, function (next) { offset = next; loadDeliveries(); });
    } catch (err) {
      rows.appendChild(h("tr", {}, h("td", { colspan: 7, class: "error", text: err.message })));
    }
  }

  function openForm(w) {
    form.reset();
    MC.clearError(document.getElementById("webhook-save"));
    document.getElementById("webhook-dialog-title").textContent = w ? "Edit " + w.name : "New webhook";
    form.elements.id.value = w ? w.id : "";
    form.elements.name.value = w ? w.name : "";
    form.elements.url.value = w ? w.url : "";
    form.elements.events.value = w ? (w.events || ["*"]).join(", ") : "*";
    form.elements.enabled.checked = w ? !!w.enabled : true;
    document.getElementById("w-enabled-row").hidden = !w;
    MC.openDialog(dialog, "#w-name");
  }
  document.getElementById("new-webhook").addEventListener("click", function () { openForm(null); });
  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    var f = form.elements;
    var payload = {
      name: f.name.value.trim(),
      url: f.url.value.trim(),
      events: f.events.value.split(",").map(function (e) { return e.trim(); }).filter(Boolean),
    };
    var id = f.id.value;
    if (id) {
      payload.id = Number(id);
      payload.enabled = f.enabled.checked;
    }
    var result = await MC.act(document.getElementById("webhook-save"), function () {
      return MC.api(id ? "PUT" : "POST", "/api/webhooks", payload);
    });
    if (result) {
      dialog.close();
      if (!id && result.secret) MC.secretOnce(secretBox, "Signing secret for " + payload.name, result.secret);
      load();
    }
  });
  load();
  loadDeliveries();
})();
