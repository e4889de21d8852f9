// Alert rules (operator; delete: admin): create/edit, enable/disable, evaluate now.
"use strict";
(function () {
  var h = MC.h;
  var rowsEl = document.getElementById("rule-rows");
  var dialog = document.getElementById("rule-dialog");
  var form = document.getElementById("rule-form");

  function describe(r) {
    var text = r.entity_type + "." + r.condition_field + " " + MC.label(r.condition_operator) + " " + r.condition_value;
    var cfg = r.action_config || {};
    if (cfg.threshold !== undefined) text += " (count " + (r.condition_operator === "count_below" ? "<" : ">") + " " + cfg.threshold + ")";
    if (cfg.window_minutes) text += " within " + cfg.window_minutes + " min";
    return text;
  }

  async function load() {
    MC.clear(rowsEl);
    var data;
    try {
      data = await MC.api("GET", "/api/alerts");
    } catch (err) {
      rowsEl.appendChild(h("tr", {}, h("td", { colspan: 6, class: "error", text: err.message })));
      return;
    }
    var rules = data.rules || [];
    if (!rules.length) rowsEl.appendChild(h("tr", {}, h("td", { colspan: 6 }, MC.empty("No alert rules", "Add one with “New rule”, e.g. notify when an agent's status equals error."))));
    rules.forEach(function (r) {
      var toggle = h("input", { type: "checkbox", "aria-label": "Enable " + r.name, checked: !!r.enabled });
      toggle.addEventListener("change", function () {
        MC.act(toggle, async function () {
          await MC.api("PUT", "/api/alerts", { id: r.id, enabled: toggle.checked });
        }).then(load);
      });
      var edit = h("button", { type: "button", class: "small", text: "Edit", onclick: function () { openForm(r); } });
      var del = null;
      if (MC.can("admin")) {
        del = h("button", { type: "button", class: "small danger", text: "Delete" });
        del.addEventListener("click", function () {
          if (!window.confirm("Delete rule " + r.name + "?")) return;
          MC.act(del, async function () {
            await MC.api("DELETE", "/api/alerts", { id: r.id });
            load();
          });
        });
      }
      rowsEl.appendChild(h("tr", {},
        h("td", {}, h("strong", { text: r.name }), r.description ? h("div", { class: "small muted", text: r.description }) : null),
        h("td", { class: "small mono", text: describe(r) }),
        h("td", { class: "hide-narrow", text: r.action_type + " · every " + r.cooldown_minutes + " min at most" }),
        h("td", { class: "hide-narrow" }, MC.time(r.last_triggered_at), h("div", { class: "small muted", text: (r.trigger_count || 0) + " times" })),
        h("td", {}, h("div", { class: "field" }, toggle)),
        h("td", { class: "actions" }, edit, del)));
    });
  }

  function openForm(r) {
    form.reset();
    MC.clearError(document.getElementById("rule-save"));
    document.getElementById("rule-dialog-title").textContent = r ? "Edit " + r.name : "New alert rule";
    var f = form.elements;
    f.id.value = r ? r.id : "";
    if (r) {
      ["name", "description", "entity_type", "condition_field", "condition_operator", "condition_value", "action_type", "cooldown_minutes"].forEach(function (k) {
        if (r[k] !== null && r[k] !== undefined) f[k].value = r[k];
      });
      var cfg = r.action_config || {};
      if (cfg.threshold !== undefined) f.threshold.value = cfg.threshold;
      if (cfg.window_minutes !== undefined) f.window_minutes.value = cfg.window_minutes;
    }
    MC.openDialog(dialog, "#al-name");
  }

  document.getElementById("new-rule").addEventListener("click", function () { openForm(null); });
  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    var f = form.elements;
    var payload = {
      name: f.name.value.trim(),
      description: f.description.value.trim() || null,
      entity_type: f.entity_type.value,
      condition_field: f.condition_field.value.trim(),
      condition_operator: f.condition_operator.value,
      condition_value: f.condition_value.value.trim(),
      action_type: f.action_type.value,
      cooldown_minutes: Number(f.cooldown_minutes.value || 60),
    };
    var config = {};
    if (f.threshold.value) config.threshold = Number(f.threshold.value);
    if (f.window_minutes.value) config.window_minutes = Number(f.window_minutes.value);
    payload.action_config = config;
    var id = f.id.value;
    if (id) payload.id = Number(id);
    var done = await MC.act(document.getElementById("rule-save"), function () {
      return MC.api(id ? "PUT" : "POST", "/api/alerts", payload);
    });
    if (done) {
      dialog.close();
      load();
    }
  });

  var evaluate = document.getElementById("evaluate");
  evaluate.addEventListener("click", async function () {
    var result = await MC.act(evaluate, function () { return MC.api("POST", "/api/alerts", { action: "evaluate" }); });
    if (!result) return;
    var list = MC.clear(document.getElementById("evaluation-list"));
    document.getElementById("evaluation").hidden = false;
    list.appendChild(h("li", { class: "muted", text: result.evaluated + " rule(s) evaluated, " + result.triggered + " triggered." }));
    (result.results || []).forEach(function (r) {
      list.appendChild(h("li", {}, MC.badge(r.triggered ? "triggered" : "quiet", r.triggered ? "warn" : "ok"), h("strong", { text: r.rule_name }), h("span", { class: "grow muted", text: r.reason || "" })));
    });
    load();
  });
  load();
})();
