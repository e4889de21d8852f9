// Sign-in (password, two-factor step, Google) and first-run setup: JSON over fetch, no inline
// script (strict CSP).
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
      return "Your access request is waiting for an administrator's approval. You can sign in once it is approved.";
    }
    if (result.status === 403 && /disabled/i.test(result.data.error || "")) {
      return "This account is disabled. Ask an administrator.";
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

  // A local path only, the rule of _safe_next in web/routes.py: one leading "/", not "//" or
  // "/\" (another host to a browser), and no control character, space or backslash anywhere
  // (browsers drop tab, CR and LF, so "/\t/evil.example" would become "//evil.example").
  function nextPath(form) {
    var next = form.dataset.next || "/";
    if (next.charAt(0) !== "/" || next.charAt(1) === "/" || /[\x00-\x20\x7f\\]/.test(next)) {
      return "/";
    }
    return next;
  }

  function setupLogin(form) {
    var otpStep = document.getElementById("otp-step");
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
        if (otpStep && !otpStep.hidden) {
          var otp = form.elements.otp.value.trim();
          if (!otp) {
            showError("Enter the code from your authenticator app.");
            return null;
          }
          body.otp = otp;
        }
        return body;
      },
      function (result) {
        if (result.status === 200) {
          window.location.assign(nextPath(form));
        } else if (result.data.code === "NO_USERS") {
          window.location.assign("/setup");
        } else if (result.data.code === "OTP_REQUIRED" && otpStep) {
          var first = otpStep.hidden;
          otpStep.hidden = false;
          form.elements.otp.focus();
          showError(first ? "Two-factor code required: enter the code from your authenticator app." : "That code is not valid. Try the current one.");
        } else {
          showError(explain(result, "Sign-in failed"));
        }
      }
    );
  }

  function setupGoogle(box) {
    var error = document.getElementById("google-error");
    function say(message) {
      error.textContent = message;
      error.hidden = !message;
    }
    function start() {
      if (!window.google || !window.google.accounts) {
        say("Google sign-in could not be loaded. Use your username and password, or try again later.");
        return;
      }
      window.google.accounts.id.initialize({
        client_id: box.dataset.clientId,
        callback: async function (answer) {
          say("");
          try {
            var result = await postJSON("/api/auth/google", { credential: answer.credential });
            if (result.status === 200) window.location.assign("/");
            else say(explain(result, "Google sign-in failed"));
          } catch (err) {
            say("The server could not be reached. Check your connection and try again.");
          }
        },
      });
      window.google.accounts.id.renderButton(box, { theme: "outline", size: "large", text: "signin_with" });
    }
    if (document.readyState === "complete") start();
    else window.addEventListener("load", start);
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

  document.addEventListener("DOMContentLoaded", function () {
    var login = document.getElementById("login-form");
    if (login) setupLogin(login);
    var setup = document.getElementById("setup-form");
    if (setup) setupSetup(setup);
    var google = document.getElementById("google-signin");
    if (google) setupGoogle(google);
  });
})();
