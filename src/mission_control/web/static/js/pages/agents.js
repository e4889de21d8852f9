// Agents: the fleet table, detail with config, soul, memory, recent activity, and (admins)
// API keys: create with scopes and expiry (shown once), revoke.
"use strict";
(function () {
  var h = MC.h;
  var form = document.getElementById("agent-filters");
  var rows = document.getElementById("agent-rows");
  var emptyBox = document.getElementById("agent-empty");
  var pager = document.getElementById("agent-pager");
  var LIMIT = 50;
  var offset = 0;
  var current = null;

  async function load() {
    var params = { limit: LIMIT, offset: offset, status: form.elements.status.value, role: form.elements.role.value.trim() };
    try {
      var data = await MC.api("GET", "/api/agents" + MC.qs(params));
      MC.clear(rows);
      MC.clear(emptyBox);
      var agents = data.agents || [];
      agents.forEach(function (a) {
        var stats = a.taskStats || {};
        rows.appendChild(h("tr", { "data-agent": a.name },
          h("td", {}, h("button", { type: "button", class: "row-link", text: a.name, onclick: function (event) { openFrom(event.currentTarget, a.name); } })),
          h("td", {}, MC.badge(a.status, "st-" + a.status)),
          h("td", { class: "hide-narrow", text: a.role }),
          h("td", {}, MC.time(a.last_seen)),
          h("td", { class: "hide-narrow", text: (stats.in_progress || 0) + " active · " + (stats.total || 0) + " total" })
        ));
      });
      if (!agents.length) {
        emptyBox.appendChild(MC.empty("No agents", MC.can("operator") ? "Add one with “Add agent”, or let agents self-register with POST /api/agents/register." : "Agents appear here once they register."));
      }
      document.getElementById("agent-count").textContent = (data.total || agents.length) + " agents";
      MC.pager(pager, data.total || agents.length, LIMIT, offset, function (next) { offset = next; load(); });
    } catch (err) {
      MC.showError(form, err);
    }
  }
  form.addEventListener("submit", function (e) { e.preventDefault(); });
  form.addEventListener("change", function () { offset = 0; load(); });

  // ---- Create ----
  var agentDialog = document.getElementById("agent-dialog");
  if (agentDialog) {
    var agentForm = document.getElementById("agent-form");
    document.getElementById("new-agent").addEventListener("click", function () {
      agentForm.reset();
      MC.clearError(document.getElementById("agent-save"));
      MC.openDialog(agentDialog, "#ag-name");
    });
    agentForm.addEventListener("submit", async function (event) {
      event.preventDefault();
      var save = document.getElementById("agent-save");
      var done = await MC.act(save, function () {
        return MC.api("POST", "/api/agents", { name: agentForm.elements.name.value.trim(), role: agentForm.elements.role.value.trim() });
      });
      if (done) {
        agentDialog.close();
        load();
      }
    });
  }

  // ---- Detail ----
  var detail = document.getElementById("agent-detail");
  function path(suffix) {
    return "/api/agents/" + encodeURIComponent(current.name) + (suffix || "");
  }
  // Opening can fail (the agent was deleted meanwhile, the session ended): say so beside the
  // control that asked, instead of leaving an uncaught rejection.
  function openFrom(control, name) {
    MC.clearError(control);
    return openDetail(name).catch(function (err) { MC.showError(control, err); });
  }
  async function openDetail(name) {
    var data = await MC.api("GET", "/api/agents/" + encodeURIComponent(name));
    current = data.agent;
    var a = current;
    document.getElementById("agent-detail-title").textContent = a.name;
    var fields = MC.clear(document.getElementById("agent-fields"));
    [["Status", MC.badge(a.status, "st-" + a.status)], ["Role", a.role], ["Last heartbeat", MC.time(a.last_seen)],
     ["Last activity", a.last_activity || "—"], ["Runtime", a.runtime_type || "—"], ["Source", a.source || "—"], ["Created", MC.time(a.created_at)]]
      .forEach(function (pair) {
        fields.appendChild(h("dt", { text: pair[0] }));
        fields.appendChild(h("dd", {}, pair[1]));
      });
    document.getElementById("agent-config").textContent = JSON.stringify(a.config || {}, null, 2);
    document.getElementById("agent-soul").value = a.soul_content || "";
    document.getElementById("agent-memory").value = a.working_memory || "";
    MC.openDialog(detail);
    loadActivity();
    if (MC.can("admin")) loadKeys();
  }

  async function loadActivity() {
    var list = MC.clear(document.getElementById("agent-activity"));
    try {
      var data = await MC.api("GET", "/api/activities" + MC.qs({ actor: current.name, limit: 10 }));
      (data.activities || []).forEach(function (a) {
        list.appendChild(h("li", {}, MC.badge(MC.label(a.type)), h("span", { class: "grow", text: a.description }), MC.time(a.created_at)));
      });
      if (!list.children.length) list.appendChild(h("li", { class: "muted", text: "No activity by this agent yet." }));
    } catch (err) {
      list.appendChild(h("li", { class: "error", text: err.message }));
    }
  }

  function wireSave(buttonId, fieldId, suffix, key) {
    var button = document.getElementById(buttonId);
    if (!button) return;
    button.addEventListener("click", function () {
      var payload = {};
      payload[key] = document.getElementById(fieldId).value;
      MC.act(button, async function () {
        await MC.api("PUT", path(suffix), payload);
        button.textContent = "Saved";
        setTimeout(function () { button.textContent = key === "soul_content" ? "Save soul" : "Save memory"; }, 1500);
      });
    });
  }
  wireSave("soul-save", "agent-soul", "/soul", "soul_content");
  wireSave("memory-save", "agent-memory", "/memory", "working_memory");

  var del = document.getElementById("agent-delete");
  if (del) {
    del.addEventListener("click", function () {
      if (!window.confirm("Delete agent " + current.name + "? Its keys stop working.")) return;
      MC.act(del, async function () {
        await MC.api("DELETE", path());
        detail.close();
        load();
      });
    });
  }

  // ---- Keys (admin) ----
  async function loadKeys() {
    var body = MC.clear(document.getElementById("key-rows"));
    document.getElementById("key-secret").hidden = true;
    try {
      var data = await MC.api("GET", path("/keys"));
      (data.keys || []).forEach(function (k) {
        var revoke = k.revoked_at ? MC.badge("revoked", "fail") : h("button", { type: "button", class: "small danger", text: "Revoke" });
        if (!k.revoked_at) {
          revoke.addEventListener("click", function () {
            if (!window.confirm("Revoke key " + k.key_prefix + "? It stops working at once.")) return;
            MC.act(revoke, async function () {
              await MC.api("DELETE", path("/keys"), { key_id: k.id });
              loadKeys();
            });
          });
        }
        body.appendChild(h("tr", {},
          h("td", { text: k.name || "—" }), h("td", { class: "mono", text: k.key_prefix }),
          h("td", { text: (k.scopes || []).join(", ") }), h("td", {}, k.expires_at ? MC.time(k.expires_at) : "never"),
          h("td", {}, MC.time(k.last_used_at)), h("td", { class: "actions" }, revoke)));
      });
      if (!body.children.length) body.appendChild(h("tr", {}, h("td", { colspan: 6, class: "muted", text: "No keys yet: create one below for this agent to authenticate." })));
    } catch (err) {
      body.appendChild(h("tr", {}, h("td", { colspan: 6, class: "error", text: err.message })));
    }
  }
  var keyForm = document.getElementById("key-form");
  if (keyForm) {
    keyForm.addEventListener("submit", async function (event) {
      event.preventDefault();
      var button = document.getElementById("key-create");
      var scopes = Array.prototype.filter.call(keyForm.elements.scopes, function (box) { return box.checked; }).map(function (box) { return box.value; });
      var payload = { scopes: scopes };
      if (keyForm.elements.name.value.trim()) payload.name = keyForm.elements.name.value.trim();
      if (keyForm.elements.expires_in_days.value) payload.expires_in_days = Number(keyForm.elements.expires_in_days.value);
      var made = await MC.act(button, function () { return MC.api("POST", path("/keys"), payload); });
      if (made) {
        await loadKeys();
        MC.secretOnce(document.getElementById("key-secret"), "New key for " + current.name, made.api_key);
      }
    });
  }

  MC.live(function (event) {
    if (/^agent\./.test(event.type)) load();
  });
  load().then(function () {
    var wanted = new URLSearchParams(location.search).get("agent");
    if (wanted) openFrom(form, wanted);
  });
})();
