// Sign-in, first-run setup and logout: JSON over fetch, no inline script (strict CSP).
"use strict";

(function () {
  function showError(message) {
    var box = document.getElementById("form-error");
    if (!box) return;
    box.textContent = message;
    box.hidden = !message;
  }

  async function postJSON(url, body) {
    var response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(body),
    });
    var data = {};
    try {
      data = await response.json();
    } catch (err) {
      data = {};
    }
    return { status: response.status, headers: response.headers, data: data };
  }

  function waitText(result) {
    var seconds = Number(result.data.retry_after || result.headers.get("Retry-After") || 0);
    if (seconds >= 120) return Math.ceil(seconds / 60) + " minutes";
    return Math.max(1, Math.ceil(seconds)) + " seconds";
  }

  function explain(result, fallback) {
    if (result.status === 429) {
      return "Too many attempts. Try again in " + waitText(result) + ".";
    }
    if (result.status === 401 && result.data.error === "Invalid credentials") {
      return "Invalid username or password.";
    }
    if (result.data.code === "OTP_INVALID") {
      return "That two-factor code is wrong or was already used.";
    }
    if (result.data.code === "PENDING_APPROVAL") {
      return "Your access request is waiting for an administrator's approval.";
    }
    var message = result.data.error || fallback;
    if (result.data.details && result.data.details.length) {
      message += ": " + result.data.details.join("; ");
    }
    return message;
  }

  function strength(password) {
    if (password.length < 12) return 0;
    var classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter(function (re) {
      return re.test(password);
    }).length;
    var score = 1 + (password.length >= 16 ? 1 : 0) + (classes >= 3 ? 1 : 0) + (password.length >= 20 ? 1 : 0);
    return Math.min(4, score);
  }

  var LABELS = ["Too short", "Weak", "Fair", "Good", "Strong"];

  function wireForm(form, collect, onDone) {
    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      var body = collect();
      if (!body) return;
      var button = form.querySelector("button[type=submit]");
      button.disabled = true;
      showError("");
      try {
        var result = await postJSON(form.dataset.endpoint, body);
        onDone(result);
      } catch (err) {
        showError("The server could not be reached. Check your connection and try again.");
      } finally {
        button.disabled = false;
      }
    });
  }

  function setupLogin(form) {
    wireForm(
      form,
      function () {
        var username = form.elements.username.value.trim();
        var password = form.elements.password.value;
        if (!username || !password) {
          showError("Enter your username and password.");
          return null;
        }
        var body = { username: username, password: password };
        var otp = form.elements.otp.value.trim();
        if (otp) body.otp = otp;
        return body;
      },
      function (result) {
        if (result.status === 200) {
          window.location.assign("/");
        } else if (result.data.code === "OTP_REQUIRED") {
          document.getElementById("otp-row").hidden = false;
          form.elements.otp.focus();
          showError("Enter the code from your authenticator app.");
        } else if (result.data.code === "NO_USERS") {
          window.location.assign("/setup");
        } else {
          showError(explain(result, "Sign-in failed"));
        }
      }
    );
  }

  function setupSetup(form) {
    var password = form.elements.password;
    var meter = document.getElementById("strength");
    var label = document.getElementById("strength-label");
    password.addEventListener("input", function () {
      var score = strength(password.value);
      meter.value = score;
      label.textContent = LABELS[score];
    });
    wireForm(
      form,
      function () {
        var username = form.elements.username.value.trim();
        if (!username) {
          showError("Choose a username.");
          return null;
        }
        if (password.value.length < 12) {
          showError("The password must be at least 12 characters.");
          return null;
        }
        if (password.value !== form.elements.confirm.value) {
          showError("The passwords do not match.");
          return null;
        }
        var body = { username: username, password: password.value };
        var display = form.elements.display_name.value.trim();
        if (display) body.display_name = display;
        return body;
      },
      function (result) {
        if (result.status === 201 || result.status === 200) {
          window.location.assign("/");
        } else if (result.status === 403 && /already been completed/.test(result.data.error || "")) {
          window.location.assign("/login");
        } else {
          showError(explain(result, "Setup failed"));
        }
      }
    );
  }

  function setupLogout(button) {
    button.addEventListener("click", async function () {
      button.disabled = true;
      try {
        await postJSON("/api/auth/logout", {});
      } finally {
        window.location.assign("/login");
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var login = document.getElementById("login-form");
    if (login) setupLogin(login);
    var setup = document.getElementById("setup-form");
    if (setup) setupSetup(setup);
    var logout = document.getElementById("logout");
    if (logout) setupLogout(logout);
  });
})();
