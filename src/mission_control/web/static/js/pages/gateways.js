// Gateways (admin): registered OpenClaw gateways; add and edit them (the token is stored
// encrypted and never shown), remove, check health, and list each one's sessions and agents.
"use strict";
(function () {
  var h = MC.h;
  var rowsEl = document.getElementById("gateway-rows");
  var dialog = document.getElementById("gateway-dialog");
  var form = document.getElementById("gateway-form");
  var save = document.getElementById("gateway-save");
  var detail = document.getElementById("gateway-detail");
  var probed = {}; // last POST /api/gateways/health result by id ("env" for the environment's)
  var editing = null; // the gateway the dialog edits; null when it adds one

  function key(g) {
    return g.id === null ? "env" : String(g.id);
  }

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
      var result = probed[key(g)];
      var status = (result && result.status) || g.status || (g.last_error ? "error" : "unknown");
      var problem = result ? result.error : g.last_error;
      var tone = status === "online" ? "ok" : status === "error" || status === "offline" ? "fail" : "";
      var actions = [
        h("button", { type: "button", class: "small", text: "Sessions", "aria-label": "Sessions of " + g.name, onclick: function (e) { show(e.currentTarget, g, "sessions"); } }),
        h("button", { type: "button", class: "small", text: "Agents", "aria-label": "Agents of " + g.name, onclick: function (e) { show(e.currentTarget, g, "agents"); } }),
      ];
      if (g.id === null) {
        // The gateway from OPENCLAW_GATEWAY_* is configured by the environment, not here.
        actions.push(h("span", { class: "small muted", text: "environment" }));
      } else {
        actions.push(h("button", { type: "button", class: "small", text: "Edit", "aria-label": "Edit " + g.name, onclick: function () { openDialog(g); } }));
        var del = h("button", { type: "button", class: "small danger", text: "Remove", "aria-label": "Remove " + g.name });
        del.addEventListener("click", function () {
          if (!window.confirm("Remove gateway " + g.name + "?")) return;
          MC.act(del, async function () {
            await MC.api("DELETE", "/api/gateways", { id: g.id });
            if (detail.dataset.gateway === key(g)) detail.hidden = true;
            load();
          });
        });
        actions.push(del);
      }
      rowsEl.appendChild(h("tr", { dataset: { gateway: key(g) } },
        h("td", {}, h("strong", { text: g.name }), g.is_primary ? [" ", MC.badge("primary")] : null),
        h("td", { class: "hide-narrow mono small", text: g.url || "" }),
        h("td", {}, MC.badge(status, tone), problem ? h("div", { class: "small error", text: problem }) : null,
          result && result.guidance ? h("div", { class: "small muted", text: result.guidance }) : null),
        h("td", { class: "hide-narrow", text: g.has_token ? "stored" : "none" }),
        // One error line under the row's buttons: the last action's failure and what to do.
        h("td", { class: "actions" }, h("div", { class: "field" }, h("div", { class: "form-actions" }, actions)))));
    });
  }

  // ---- Sessions and agents, read live from the gateway ----
  async function show(button, g, kind) {
    var data = await MC.act(button, function () { return MC.api("GET", "/api/gateways/" + key(g) + "/" + kind); });
    if (!data) return;
    detail.dataset.gateway = key(g);
    document.getElementById("gateway-detail-title").textContent = (kind === "sessions" ? "Sessions" : "Agents") + " of " + g.name;
    var body = MC.clear(document.getElementById("gateway-detail-body"));
    body.appendChild(kind === "sessions" ? sessionsTable(data) : agentsTable(data));
    detail.hidden = false;
  }

  function table(headings, rows, emptyText) {
    var tbody = h("tbody", {}, rows);
    if (!rows.length) tbody.appendChild(h("tr", {}, h("td", { colspan: headings.length, class: "muted", text: emptyText })));
    return h("div", { class: "table-wrap" }, h("table", {},
      h("thead", {}, h("tr", {}, headings.map(function (t) { return h("th", { text: t }); }))), tbody));
  }

  function sessionsTable(data) {
    var rows = (data.sessions || []).map(function (s) {
      var updated = typeof s.updatedAt === "number" ? Math.round(s.updatedAt / 1000) : null;
      return h("tr", {}, h("td", { class: "mono small", text: s.key || s.sessionId || "" }),
        h("td", { text: s.displayName || s.label || "" }), h("td", { text: s.kind || "" }),
        h("td", { class: "small", text: typeof s.model === "string" ? s.model : "" }),
        h("td", {}, updated ? MC.time(updated) : "—"));
    });
    var shown = table(["Key", "Name", "Kind", "Model", "Updated"], rows, "The gateway has no sessions yet.");
    var total = typeof data.total === "number" ? data.total : data.count;
    var note = h("p", { class: "small muted", text: data.count + " of " + total + " session(s)" + (data.has_more ? "; the newest are shown" : "") });
    return h("div", {}, shown, note);
  }

  function agentsTable(data) {
    var rows = (data.agents || []).map(function (a) {
      var model = a.model && typeof a.model === "object" ? a.model.primary : a.model;
      var name = a.name || (a.identity && a.identity.name) || "";
      return h("tr", {}, h("td", { class: "mono" }, a.id || "", a.id && a.id === data.default_id ? [" ", MC.badge("default")] : null),
        h("td", { text: name }), h("td", { class: "small", text: typeof model === "string" ? model : "" }));
    });
    return table(["Agent", "Name", "Model"], rows, "The gateway runs no agents.");
  }

  document.getElementById("gateway-detail-close").addEventListener("click", function () { detail.hidden = true; });

  var check = document.getElementById("check-gateways");
  check.addEventListener("click", function () {
    MC.act(check, async function () {
      var report = await MC.api("POST", "/api/gateways/health");
      probed = {};
      (report.results || []).forEach(function (r) { probed[r.id === null ? "env" : r.id] = r; });
      load();
    });
  });

  // ---- Add and edit: one dialog ----
  var clearToken = form.elements.clear_token;
  clearToken.addEventListener("change", function () {
    form.elements.token.disabled = clearToken.checked;
  });
  function openDialog(g) {
    editing = g || null;
    form.reset();
    form.elements.token.disabled = false;
    MC.clearError(save);
    document.getElementById("gateway-dialog-title").textContent = editing ? "Edit gateway" : "Add gateway";
    save.textContent = editing ? "Save changes" : "Add gateway";
    document.getElementById("gw-clear-field").hidden = !(editing && editing.has_token);
    document.getElementById("gw-token-hint").textContent = editing && editing.has_token
      ? "A token is stored. Enter a new one to replace it, leave it empty to keep it."
      : "The token is stored encrypted and never shown again.";
    if (editing) {
      form.elements.name.value = editing.name;
      form.elements.url.value = editing.url;
      form.elements.is_primary.checked = editing.is_primary;
    }
    MC.openDialog(dialog, "#gw-name");
  }
  document.getElementById("new-gateway").addEventListener("click", function () { openDialog(null); });
  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    var f = form.elements;
    var payload = { name: f.name.value.trim(), url: f.url.value.trim(), is_primary: f.is_primary.checked };
    if (editing && clearToken.checked) payload.token = null;
    else if (f.token.value) payload.token = f.token.value;
    var done = await MC.act(save, function () {
      return editing ? MC.api("PATCH", "/api/gateways/" + editing.id, payload) : MC.api("POST", "/api/gateways", payload);
    });
    if (done) {
      dialog.close();
      load();
    }
  });
  load();
})();
