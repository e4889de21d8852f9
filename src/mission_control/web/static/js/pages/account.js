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

  // ---- Two-factor sign-in ----
  var twofaStatus = document.getElementById("twofa-status");
  async function loadTwoFactor() {
    if (!twofaStatus) return;
    var start = document.getElementById("twofa-start");
    var off = document.getElementById("twofa-disable");
    try {
      var s = await MC.api("GET", "/api/auth/2fa");
      twofaStatus.className = s.enabled ? "notice ok" : "muted";
      twofaStatus.textContent = s.enabled
        ? "Two-factor sign-in is on. " + s.recovery_codes_remaining + " recovery code(s) left."
        : "Two-factor sign-in is off: signing in needs only your password.";
      start.hidden = s.enabled;
      off.hidden = !s.enabled;
      if (s.enabled) document.getElementById("twofa-setup").hidden = true;
    } catch (err) {
      twofaStatus.textContent = err.message;
    }
  }
  if (twofaStatus) {
    var startButton = document.getElementById("twofa-start");
    startButton.addEventListener("click", async function () {
      var setup = await MC.act(startButton, function () { return MC.api("POST", "/api/auth/2fa/setup"); });
      if (!setup) return;
      // As an image: the SVG's own markup never enters the page (CSP stays strict).
      // qr_svg is already a data: URI.
      document.getElementById("twofa-qr").src = setup.qr_svg;
      document.getElementById("twofa-secret").textContent = setup.secret;
      document.getElementById("twofa-setup").hidden = false;
      document.getElementById("twofa-code").focus();
    });
    var enableForm = document.getElementById("twofa-enable");
    enableForm.addEventListener("submit", async function (event) {
      event.preventDefault();
      var result = await MC.act(document.getElementById("twofa-confirm"), function () {
        return MC.api("POST", "/api/auth/2fa/enable", { code: enableForm.elements.code.value.trim() });
      });
      if (!result) return;
      enableForm.reset();
      var box = MC.clear(document.getElementById("twofa-codes"));
      box.appendChild(h("div", { class: "secret-once", role: "status" },
        h("strong", { text: "Recovery codes" }),
        h("span", { class: "small", text: "Each works once if you lose your phone. Store them now: they are not shown again." }),
        h("code", { class: "secret-value", text: (result.recovery_codes || []).join("  ") })));
      box.hidden = false;
      loadTwoFactor();
    });
    var disableForm = document.getElementById("twofa-disable");
    disableForm.addEventListener("submit", async function (event) {
      event.preventDefault();
      var done = await MC.act(document.getElementById("twofa-off"), function () {
        return MC.api("POST", "/api/auth/2fa/disable", { password: disableForm.elements.password.value, code: disableForm.elements.code.value.trim() });
      });
      if (done) {
        disableForm.reset();
        loadTwoFactor();
      }
    });
  }

  loadSessions();
  loadKeys();
  loadTwoFactor();
})();
