// Users (admin), a page at a time: create, change role, disable/enable, reset password, sign
// out everywhere, delete; Google access requests: approve with a role, or reject.
"use strict";
(function () {
  var h = MC.h;
  var rowsEl = document.getElementById("user-rows");
  var requestList = document.getElementById("request-list");
  var requestStatus = document.getElementById("request-status");
  var userPager = document.getElementById("user-pager");
  var resetTarget = null;
  var requestPager = document.getElementById("request-pager");
  var LIMIT = 50;
  var offset = 0;
  var requestOffset = 0;

  function roleSelect(value, label) {
    return h("select", { "aria-label": label },
      ["viewer", "operator", "admin"].map(function (r) { return h("option", { value: r, text: r, selected: r === value }); }));
  }

  async function loadUsers() {
    var data;
    try {
      data = await MC.api("GET", "/api/auth/users" + MC.qs({ limit: LIMIT, offset: offset }));
    } catch (err) {
      MC.clear(rowsEl).appendChild(h("tr", {}, h("td", { colspan: 6, class: "error", text: err.message })));
      return;
    }
    var users = data.users || [];
    if (!users.length && offset > 0) {
      // The last one on this page was deleted: show the page before.
      offset = Math.max(0, offset - LIMIT);
      return loadUsers();
    }
    MC.clear(rowsEl);
    document.getElementById("user-count").textContent = data.total + " users";
    MC.pager(userPager, data.total, LIMIT, offset, function (next) { offset = next; loadUsers(); });
    users.forEach(function (u) {
      var me = u.username === MC.username;
      var role = roleSelect(u.role, "Role of " + u.username);
      role.disabled = me;
      role.addEventListener("change", function () {
        MC.act(role, async function () {
          try {
            await MC.api("PUT", "/api/auth/users", { id: u.id, role: role.value });
          } catch (err) {
            role.value = u.role;
            throw err;
          }
          u.role = role.value;
        });
      });
      var toggle = h("button", { type: "button", class: "small", text: u.disabled ? "Enable" : "Disable" });
      toggle.addEventListener("click", function () {
        MC.act(toggle, async function () {
          await MC.api("PUT", "/api/auth/users", { id: u.id, disabled: !u.disabled });
          loadUsers();
        });
      });
      var reset = h("button", { type: "button", class: "small", text: "Reset password", onclick: function () { openReset(u); } });
      var signOut = h("button", { type: "button", class: "small", text: "Sign out everywhere" });
      var signedOut = h("span", { class: "muted small", role: "status" });
      signOut.addEventListener("click", function () {
        MC.act(signOut, async function () {
          var done = await MC.api("DELETE", "/api/auth/users/sessions", { id: u.id });
          signedOut.textContent = done.revoked === 1 ? "1 session ended" : done.revoked + " sessions ended";
        });
      });
      var del = h("button", { type: "button", class: "small danger", text: "Delete" });
      del.addEventListener("click", function () {
        if (!window.confirm("Delete " + u.username + "? This cannot be undone.")) return;
        MC.act(del, async function () {
          await MC.api("DELETE", "/api/auth/users", { id: u.id });
          loadUsers();
        });
      });
      var actions = h("td", { class: "actions" });
      if (!me) {
        if (u.provider === "local") actions.appendChild(reset);
        actions.appendChild(signOut);
        actions.appendChild(toggle);
        actions.appendChild(del);
        actions.appendChild(signedOut);
      } else {
        actions.appendChild(h("span", { class: "muted small", text: "you" }));
      }
      rowsEl.appendChild(h("tr", { "data-user": u.username },
        h("td", {}, h("strong", { text: u.display_name || u.username }), h("div", { class: "small muted", text: u.username + (u.email ? " · " + u.email : "") })),
        h("td", {}, h("div", { class: "field" }, role)),
        h("td", { class: "hide-narrow", text: u.provider + (u.two_factor_enabled ? " · 2FA" : "") }),
        h("td", { class: "hide-narrow" }, MC.time(u.last_login_at)),
        h("td", {}, u.disabled ? MC.badge("disabled", "fail") : u.is_approved === false ? MC.badge("unapproved", "warn") : MC.badge("active", "ok")),
        actions
      ));
    });
  }

  async function loadRequests() {
    MC.clear(requestList);
    var data;
    try {
      data = await MC.api("GET", "/api/auth/access-requests" + MC.qs({ status: requestStatus.value, limit: LIMIT, offset: requestOffset }));
    } catch (err) {
      requestList.appendChild(h("li", { class: "error", text: err.message }));
      return;
    }
    var requests = data.requests || [];
    if (!requests.length && requestOffset > 0) {
      // The last one on this page was approved or rejected: show the page before.
      requestOffset = Math.max(0, requestOffset - LIMIT);
      return loadRequests();
    }
    MC.pager(requestPager, data.total, LIMIT, requestOffset, function (next) { requestOffset = next; loadRequests(); });
    if (!requests.length) {
      requestList.appendChild(h("li", {}, MC.empty(requestStatus.value === "pending" ? "No pending requests" : "No requests",
        "When someone signs in with Google for the first time, their request waits here for your approval.")));
    }
    requests.forEach(function (r) {
      var item = h("li", { "data-request": r.id },
        h("div", { class: "grow" }, h("strong", { text: r.display_name || r.email }), h("div", { class: "small muted", text: r.email + " · " + r.attempt_count + " attempt(s) · last " }, MC.time(r.last_attempt_at))),
        MC.badge(r.status, r.status)
      );
      if (r.status === "pending" || r.status === "rejected") {
        var role = roleSelect("viewer", "Role for " + r.email);
        var approve = h("button", { type: "button", class: "small primary", text: "Approve" });
        var reject = h("button", { type: "button", class: "small danger", text: "Reject" });
        approve.addEventListener("click", function () {
          MC.act(approve, async function () {
            await MC.api("POST", "/api/auth/access-requests", { request_id: r.id, action: "approve", role: role.value });
            loadRequests();
            loadUsers();
          });
        });
        reject.addEventListener("click", function () {
          MC.act(reject, async function () {
            await MC.api("POST", "/api/auth/access-requests", { request_id: r.id, action: "reject" });
            loadRequests();
          });
        });
        item.appendChild(h("div", { class: "form-actions" }, h("div", { class: "field" }, role), approve, r.status === "pending" ? reject : null));
      }
      requestList.appendChild(item);
    });
  }

  // ---- Create ----
  var dialog = document.getElementById("user-dialog");
  var form = document.getElementById("user-form");
  document.getElementById("new-user").addEventListener("click", function () {
    form.reset();
    MC.clearError(document.getElementById("user-save"));
    MC.openDialog(dialog, "#u-username");
  });
  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    var f = form.elements;
    var payload = { username: f.username.value.trim(), password: f.password.value, role: f.role.value };
    if (f.display_name.value.trim()) payload.display_name = f.display_name.value.trim();
    if (f.email.value.trim()) payload.email = f.email.value.trim();
    var done = await MC.act(document.getElementById("user-save"), function () { return MC.api("POST", "/api/auth/users", payload); });
    if (done) {
      dialog.close();
      loadUsers();
    }
  });

  // ---- Reset password ----
  var resetDialog = document.getElementById("reset-dialog");
  var resetForm = document.getElementById("reset-form");
  function openReset(u) {
    resetTarget = u;
    resetForm.reset();
    MC.clearError(document.getElementById("reset-save"));
    document.getElementById("reset-title").textContent = "Reset password of " + u.username;
    MC.openDialog(resetDialog, "#reset-password");
  }
  resetForm.addEventListener("submit", async function (event) {
    event.preventDefault();
    var done = await MC.act(document.getElementById("reset-save"), function () {
      return MC.api("PUT", "/api/auth/users", { id: resetTarget.id, password: resetForm.elements.password.value });
    });
    if (done) resetDialog.close();
  });

  requestStatus.addEventListener("change", function () {
    requestOffset = 0;
    loadRequests();
  });
  loadUsers();
  loadRequests();
})();
