// Settings (admin): the global API key (rotate, shown once), declared settings by category,
// retention cleanup, backups, integrations (1Password) and scheduled jobs.
"use strict";
(function () {
  var h = MC.h;

  // ---- API key ----
  async function keyStatus() {
    var box = document.getElementById("apikey-status");
    try {
      var s = await MC.api("GET", "/api/tokens/rotate");
      if (s.source === "rotated") {
        box.textContent = "";
        box.appendChild(document.createTextNode("A rotated key is active (rotated by " + (s.rotated_by || "?") + ", "));
        box.appendChild(MC.time(s.rotated_at));
        box.appendChild(document.createTextNode(")."));
      } else if (s.source === "env") box.textContent = "The key from the API_KEY environment variable is active. Rotate it to replace it with a stored one.";
      else box.textContent = "No global API key is set. Rotate to create one.";
    } catch (err) {
      box.textContent = err.message;
    }
  }
  var rotate = document.getElementById("rotate-key");
  rotate.addEventListener("click", async function () {
    if (!window.confirm("Rotate the global API key? Scripts using the current key stop working at once.")) return;
    var made = await MC.act(rotate, function () { return MC.api("POST", "/api/tokens/rotate"); });
    if (made) {
      MC.secretOnce(document.getElementById("apikey-secret"), "New global API key", made.api_key);
      keyStatus();
    }
  });

  // ---- Declared settings ----
  var settingsForm = document.getElementById("settings-form");
  var original = {};
  async function loadSettings() {
    var groups = MC.clear(document.getElementById("settings-groups"));
    var data;
    try {
      data = await MC.api("GET", "/api/settings");
    } catch (err) {
      groups.appendChild(h("p", { class: "error", text: err.message }));
      return;
    }
    original = {};
    Object.keys(data.grouped || {}).sort().forEach(function (category) {
      var fieldset = h("fieldset", { class: "form" }, h("legend", {}, h("strong", { text: MC.label(category) })));
      var row = h("div", { class: "field-row" });
      data.grouped[category].forEach(function (s) {
        original[s.key] = s.value;
        var id = "s-" + s.key.replace(/[^a-z0-9]/gi, "-");
        var input;
        if (s.type === "bool") {
          input = h("select", { id: id, name: s.key }, h("option", { value: "true", text: "on", selected: s.value === "true" }), h("option", { value: "false", text: "off", selected: s.value !== "true" }));
        } else if (s.type === "json") {
          input = h("textarea", { id: id, name: s.key });
          input.value = s.value;
        } else {
          input = h("input", { id: id, name: s.key, type: s.type === "int" ? "number" : "text", value: s.value });
        }
        var reset = s.is_default ? null : h("button", { type: "button", class: "small", text: "Reset to default (" + s.default + ")" });
        if (reset) {
          reset.addEventListener("click", function () {
            MC.act(reset, async function () {
              await MC.api("DELETE", "/api/settings", { key: s.key });
              loadSettings();
            });
          });
        }
        row.appendChild(h("div", { class: "field" }, h("label", { for: id, text: s.key.split(".").slice(1).join(".").replace(/_/g, " ") || s.key }), input,
          h("span", { class: "small muted", text: s.description }), reset));
      });
      fieldset.appendChild(row);
      groups.appendChild(fieldset);
    });
  }
  settingsForm.addEventListener("submit", async function (event) {
    event.preventDefault();
    var changed = {};
    Array.prototype.forEach.call(settingsForm.elements, function (el) {
      if (el.name && original[el.name] !== undefined && el.value !== original[el.name]) changed[el.name] = el.value;
    });
    var saved = document.getElementById("settings-saved");
    if (!Object.keys(changed).length) {
      saved.textContent = "Nothing changed.";
      return;
    }
    var result = await MC.act(document.getElementById("settings-save"), function () { return MC.api("PUT", "/api/settings", { settings: changed }); });
    if (result) {
      saved.textContent = "Saved " + Object.keys(changed).length + " setting(s).";
      loadSettings();
      preview();
    }
  });

  // ---- Retention ----
  function showCleanup(report) {
    var rows = MC.clear(document.getElementById("cleanup-rows"));
    (report.results || []).forEach(function (r) {
      rows.appendChild(h("tr", {}, h("td", { text: MC.label(r.table) }), h("td", { text: r.retention_days ? r.retention_days : "forever" }), h("td", { text: r.deleted })));
    });
  }
  async function preview() {
    var button = document.getElementById("cleanup-preview");
    await MC.act(button, async function () { showCleanup(await MC.api("GET", "/api/cleanup")); });
  }
  document.getElementById("cleanup-preview").addEventListener("click", preview);
  var runCleanup = document.getElementById("cleanup-run");
  runCleanup.addEventListener("click", async function () {
    if (!window.confirm("Delete every row older than its retention now?")) return;
    var report = await MC.act(runCleanup, function () { return MC.api("POST", "/api/cleanup", { dry_run: false }); });
    if (report) {
      document.getElementById("cleanup-result").textContent = "Deleted " + report.total_deleted + " row(s).";
      preview();
    }
  });

  // ---- Backups ----
  function size(bytes) {
    if (bytes > 1048576) return (bytes / 1048576).toFixed(1) + " MB";
    return Math.max(1, Math.round(bytes / 1024)) + " KB";
  }
  async function loadBackups() {
    var list = MC.clear(document.getElementById("backup-list"));
    var create = document.getElementById("backup-create");
    try {
      var data = await MC.api("GET", "/api/backup");
      (data.backups || []).forEach(function (b) {
        var del = h("button", { type: "button", class: "small danger", text: "Delete" });
        del.addEventListener("click", function () {
          if (!window.confirm("Delete backup " + b.name + "?")) return;
          MC.act(del, async function () {
            await MC.api("DELETE", "/api/backup", { name: b.name });
            loadBackups();
          });
        });
        list.appendChild(h("li", {}, h("span", { class: "grow mono small", text: b.name }), h("span", { class: "small muted", text: size(b.size) }), MC.time(b.created_at),
          h("a", { class: "button small", href: "/api/backup?download=" + encodeURIComponent(b.name), download: b.name, text: "Download" }), del));
      });
      if (!list.children.length) list.appendChild(h("li", {}, MC.empty("No backups yet", "Create one now; turn on the daily auto_backup job below to keep them coming.")));
    } catch (err) {
      MC.showError(create, err);
      create.disabled = err.status === 400;
    }
  }
  var createBackup = document.getElementById("backup-create");
  if (createBackup) createBackup.addEventListener("click", async function () {
    if (await MC.act(createBackup, function () { return MC.api("POST", "/api/backup"); })) loadBackups();
  });

  // ---- Integrations ----
  function showOnePassword(op) {
    var line = document.getElementById("op-status");
    if (!line || !op) return;
    var parts = ["Vault “" + op.vault + "”"];
    parts.push(op.available ? "op found at " + op.binary : "op not found (install the 1Password CLI or set MC_OP_BIN)");
    parts.push(op.service_account ? "service account token set" : "no service account token (a signed-in op session is used)");
    line.textContent = "1Password: " + parts.join(" · ") + ".";
    line.className = "small " + (op.available ? "muted" : "error");
  }
  async function loadIntegrations() {
    var rows = document.getElementById("integration-rows");
    if (!rows) return;
    MC.clear(rows);
    try {
      var data = await MC.api("GET", "/api/integrations");
      showOnePassword(data.onepassword);
      (data.integrations || []).forEach(function (i) {
        var name = i.env_var;
        var item = h("input", { type: "text", autocomplete: "off", "aria-label": "1Password item for " + name, placeholder: i.op_item || name });
        var pull = h("button", { type: "button", class: "small", text: "Pull from 1Password" });
        pull.addEventListener("click", function () {
          var payload = { action: "pull", env_var: name };
          // Empty: the item used last time, else the one named like the variable.
          if (item.value.trim()) payload.item = item.value.trim();
          MC.act(pull, async function () {
            await MC.api("POST", "/api/integrations", payload);
            loadIntegrations();
          });
        });
        var input = h("input", { type: "password", autocomplete: "off", "aria-label": "New value for " + name, placeholder: "New value" });
        var save = h("button", { type: "button", class: "small", text: "Store" });
        save.addEventListener("click", function () {
          if (!input.value) return MC.showError(save, "Enter a value first.");
          MC.act(save, async function () {
            await MC.api("PUT", "/api/integrations", { env_var: name, value: input.value });
            loadIntegrations();
          });
        });
        var clear = null;
        if (i.source === "stored" || i.source === "1password" || i.readable === false) {
          clear = h("button", { type: "button", class: "small danger", text: "Clear", "aria-label": "Clear the stored value of " + name });
          clear.addEventListener("click", function () {
            var fallback = i.env_set ? "the environment's value is used again" : "it is left unset";
            if (!window.confirm("Remove the stored value of " + name + "? Then " + fallback + ".")) return;
            MC.act(clear, async function () {
              await MC.api("PUT", "/api/integrations", { env_var: name, value: null });
              loadIntegrations();
            });
          });
        }
        rows.appendChild(h("tr", { dataset: { envVar: name } }, h("td", {}, h("strong", { text: i.label || name }), h("div", { class: "small muted mono", text: name })),
          h("td", { text: i.source + (i.op_item ? " (" + i.op_item + ")" : "") }),
          h("td", { class: "mono", text: i.redacted || (i.configured ? "set" : "not set") }),
          h("td", { class: "actions" }, h("div", { class: "form-actions" }, h("div", { class: "field" }, input), save, clear),
            h("div", { class: "form-actions" }, h("div", { class: "field" }, item), pull))));
      });
      if (!rows.children.length) rows.appendChild(h("tr", {}, h("td", { colspan: 4, class: "muted", text: "No integration secrets declared." })));
    } catch (err) {
      rows.appendChild(h("tr", {}, h("td", { colspan: 4, class: "error", text: err.message })));
    }
  }
  function signedIn(account) {
    if (!account || !account.url) return "";
    return " Signed in to " + account.url + (account.user_type ? " as " + MC.label(account.user_type).toLowerCase() : "") + ".";
  }
  [["op-test", { action: "test" }], ["op-pull-all", { action: "pull-all" }]].forEach(function (pair) {
    var button = document.getElementById(pair[0]);
    if (!button) return;
    button.addEventListener("click", async function () {
      var result = await MC.act(button, function () { return MC.api("POST", "/api/integrations", pair[1]); });
      if (result) {
        var text;
        if (pair[1].action === "test") {
          text = result.ok ? "1Password works" + (result.vault && result.vault.name ? ": vault " + result.vault.name : "") + "." + signedIn(result.account) : "1Password check failed: " + (result.error || "unknown error");
        } else {
          text = "Pulled " + result.count + " secret(s) from 1Password.";
        }
        var out = document.getElementById("op-result");
        out.textContent = text;
        out.className = "small " + (result.ok === false ? "error" : "");
        loadIntegrations();
      }
    });
  });

  // ---- Jobs ----
  async function loadJobs() {
    var rows = MC.clear(document.getElementById("job-rows"));
    try {
      var data = await MC.api("GET", "/api/scheduler");
      (data.tasks || []).forEach(function (j) {
        var run = h("button", { type: "button", class: "small", text: j.running ? "Running" : "Run now" });
        run.disabled = j.running;
        run.addEventListener("click", function () {
          MC.act(run, async function () {
            await MC.api("POST", "/api/scheduler", { task_id: j.id });
            loadJobs();
          });
        });
        rows.appendChild(h("tr", {}, h("td", {}, h("strong", { text: j.name }), h("div", { class: "small muted mono", text: j.id })),
          h("td", {}, MC.badge(j.enabled ? "on" : "off", j.enabled ? "ok" : "")), h("td", { class: "hide-narrow" }, MC.time(j.lastRun)),
          h("td", { class: "hide-narrow" }, j.nextRun ? MC.time(j.nextRun) : "—"), h("td", { class: "hide-narrow small", text: typeof j.lastResult === "object" && j.lastResult ? JSON.stringify(j.lastResult) : (j.lastResult || "—") }),
          h("td", { class: "actions" }, run)));
      });
    } catch (err) {
      rows.appendChild(h("tr", {}, h("td", { colspan: 6, class: "error", text: err.message })));
    }
  }

  keyStatus();
  loadSettings();
  preview();
  if (createBackup) loadBackups();
  loadIntegrations();
  loadJobs();
})();
