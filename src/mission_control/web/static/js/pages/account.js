// Account: display name, password change, own sessions (revoke), own API keys.
"use strict";
(function () {
  var h = MC.h;

  var profile = document.getElementById("profile-form");
  profile.addEventListener("submit", async function (event) {
    event.preventDefault();
    var name = profile.elements.display_name.value.trim();
    if (!name) return MC.showError(profile.elements.display_name, "A display name is required.");
    var done = await MC.act(document.getElementById("profile-save"), function () { return MC.api("PATCH", "/api/auth/me", { display_name: name }); });
    if (done) document.getElementById("profile-saved").textContent = "Saved.";
  });

  var password = document.getElementById("password-form");
  password.addEventListener("submit", async function (event) {
    event.preventDefault();
    var f = password.elements;
    var button = document.getElementById("password-save");
    if (f.new_password.value.length < 12) return MC.showError(button, "The new password must be at least 12 characters.");
    if (f.new_password.value !== f.confirm.value) return MC.showError(button, "The new passwords do not match.");
    var done = await MC.act(button, function () {
      return MC.api("PATCH", "/api/auth/me", { current_password: f.current_password.value, new_password: f.new_password.value });
    });
    if (done) {
      password.reset();
      document.getElementById("password-saved").textContent = "Password changed; other sessions were signed out.";
      loadSessions();
    }
  });

  async function loadSessions() {
    var rows = MC.clear(document.getElementById("session-rows"));
    try {
      var data = await MC.api("GET", "/api/auth/sessions");
      (data.sessions || []).forEach(function (s) {
        var action = s.current ? MC.badge("this browser", "ok") : h("button", { type: "button", class: "small danger", text: "Revoke" });
        if (!s.current) {
          action.addEventListener("click", function () {
            MC.act(action, async function () {
              await MC.api("DELETE", "/api/auth/sessions", { id: s.id });
              loadSessions();
            });
          });
        }
        rows.appendChild(h("tr", { "data-session": s.id }, h("td", { class: "mono", text: s.id_prefix }), h("td", { class: "mono", text: s.ip_address || "" }),
          h("td", { class: "hide-narrow small", text: (s.user_agent || "").slice(0, 80) }), h("td", {}, MC.time(s.created_at)), h("td", {}, MC.time(s.last_seen_at)),
          h("td", { class: "actions" }, action)));
      });
    } catch (err) {
      rows.appendChild(h("tr", {}, h("td", { colspan: 6, class: "error", text: err.message })));
    }
  }
  var others = document.getElementById("revoke-others");
  others.addEventListener("click", async function () {
    if (await MC.act(others, function () { return MC.api("DELETE", "/api/auth/sessions", { all: true }); })) loadSessions();
  });

  async function loadKeys() {
    var rows = MC.clear(document.getElementById("pkey-rows"));
    try {
      var data = await MC.api("GET", "/api/auth/keys");
      (data.keys || []).forEach(function (k) {
        var action = k.revoked_at ? MC.badge("revoked", "fail") : h("button", { type: "button", class: "small danger", text: "Revoke" });
        if (!k.revoked_at) {
          action.addEventListener("click", function () {
            MC.act(action, async function () {
              await MC.api("DELETE", "/api/auth/keys", { id: k.id });
              loadKeys();
            });
          });
        }
        rows.appendChild(h("tr", {}, h("td", { text: k.name }), h("td", { class: "mono", text: k.key_prefix }), h("td", { text: k.role }),
          h("td", { class: "hide-narrow" }, k.expires_at ? MC.time(k.expires_at) : "never"), h("td", { class: "hide-narrow" }, MC.time(k.last_used_at)),
          h("td", { class: "actions" }, action)));
      });
      if (!rows.children.length) rows.appendChild(h("tr", {}, h("td", { colspan: 6, class: "muted", text: "No personal keys. Create one below for scripts and the mc CLI." })));
    } catch (err) {
      rows.appendChild(h("tr", {}, h("td", { colspan: 6, class: "error", text: err.message })));
    }
  }
  var keyForm = document.getElementById("pkey-form");
  keyForm.addEventListener("submit", async function (event) {
    event.preventDefault();
    var f = keyForm.elements;
    var button = document.getElementById("pkey-create");
    if (!f.name.value.trim()) return MC.showError(f.name, "Name the key so you can recognise it later.");
    MC.clearError(f.name);
    var payload = { name: f.name.value.trim(), role: f.role.value };
    if (f.expires_in_days.value) payload.expires_in_days = Number(f.expires_in_days.value);
    var made = await MC.act(button, function () { return MC.api("POST", "/api/auth/keys", payload); });
    if (made) {
      keyForm.reset();
      MC.secretOnce(document.getElementById("pkey-secret"), "New personal key “" + payload.name + "”", made.api_key);
      loadKeys();
    }
  });

  loadSessions();
  loadKeys();
})();
