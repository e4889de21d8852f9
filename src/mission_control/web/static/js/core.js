// The shared layer of every signed-in page: API calls, DOM building, relative times,
// errors beside their control, dialogs, paging, live events, theme, menu and logout.
// Plain ES5-ish JavaScript in a static file: the CSP allows no inline script.
"use strict";

(function () {
  var body = document.body;
  var MC = (window.MC = {});
  MC.role = body.dataset.role || "viewer";
  MC.username = body.dataset.username || "";
  var LEVELS = { viewer: 0, operator: 1, admin: 2 };
  MC.can = function (role) {
    return (LEVELS[MC.role] || 0) >= LEVELS[role];
  };

  // ---- API ----
  function ApiError(status, data, headers) {
    this.status = status;
    this.data = data || {};
    this.headers = headers;
    this.message = MC.errorText(status, this.data, headers);
  }
  ApiError.prototype = Object.create(Error.prototype);
  MC.ApiError = ApiError;

  MC.errorText = function (status, data, headers) {
    if (status === 0) return "The server could not be reached. Check your connection and try again.";
    if (status === 429) {
      var wait = Number(data.retry_after || (headers && headers.get("Retry-After")) || 0);
      return "Too many requests. Try again in " + MC.duration(wait) + ".";
    }
    var text = data.error || "Request failed (" + status + ")";
    if (data.details && data.details.length) text += ": " + data.details.join("; ");
    return text;
  };

  MC.duration = function (seconds) {
    seconds = Math.max(1, Math.ceil(Number(seconds) || 1));
    if (seconds >= 120) return Math.ceil(seconds / 60) + " minutes";
    return seconds + (seconds === 1 ? " second" : " seconds");
  };

  // How many API calls are in flight (tests and the busy cursor wait for zero).
  MC.pending = 0;
  MC.api = async function (method, url, payload) {
    MC.pending += 1;
    try {
      return await request(method, url, payload);
    } finally {
      MC.pending -= 1;
    }
  };
  async function request(method, url, payload) {
    var init = {
      method: method,
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    };
    if (payload !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(payload);
    }
    var response;
    try {
      response = await fetch(url, init);
    } catch (err) {
      throw new ApiError(0, {}, null);
    }
    var data = {};
    var type = response.headers.get("Content-Type") || "";
    if (type.indexOf("json") !== -1) {
      try {
        data = await response.json();
      } catch (err) {
        data = {};
      }
    }
    // Only the gate's answer means the session is gone; other 401s (a wrong current
    // password, a bad two-factor code) are errors to show beside their control.
    if (response.status === 401 && data.error === "Authentication required") {
      MC.signedOut();
      throw new ApiError(401, data, response.headers);
    }
    if (response.status === 403 && data.code === "2FA_ENROLLMENT_REQUIRED") MC.enrolmentBanner();
    if (!response.ok) throw new ApiError(response.status, data, response.headers);
    return data;
  }

  // MC_REQUIRE_2FA_FOR_ADMINS: an admin without two-factor login is refused everywhere but
  // /account. A banner above the page says why and links there; it does not redirect, so the
  // admin can still read the page they asked for and the account page itself never loops.
  MC.enrolmentBanner = function () {
    if (document.getElementById("twofa-required")) return;
    var content = document.getElementById("content");
    if (!content) return;
    var here = body.dataset.page === "/account";
    var banner = MC.h("div", { class: "notice error banner", id: "twofa-required", role: "alert" },
      MC.h("strong", { text: "Set up two-factor login first." }),
      " Admins on this server must turn on two-factor login before they can do anything else. ",
      MC.h("a", { href: "/account#twofa-title", text: here ? "Set it up below" : "Set it up on your account page" }),
      ".");
    content.insertBefore(banner, content.firstChild);
  };

  MC.signedOut = function () {
    var next = encodeURIComponent(location.pathname + location.search);
    location.assign("/login?next=" + next);
  };

  MC.qs = function (params) {
    var parts = [];
    Object.keys(params).forEach(function (key) {
      var value = params[key];
      if (value === undefined || value === null || value === "") return;
      parts.push(encodeURIComponent(key) + "=" + encodeURIComponent(value));
    });
    return parts.length ? "?" + parts.join("&") : "";
  };

  // ---- DOM ----
  MC.h = function (tag, attrs) {
    var el = document.createElement(tag);
    attrs = attrs || {};
    Object.keys(attrs).forEach(function (key) {
      var value = attrs[key];
      if (value === undefined || value === null || value === false) return;
      if (key === "text") el.textContent = value;
      else if (key === "class") el.className = value;
      else if (key.indexOf("on") === 0) el.addEventListener(key.slice(2), value);
      else if (key === "dataset") Object.assign(el.dataset, value);
      else el.setAttribute(key, value === true ? "" : value);
    });
    for (var i = 2; i < arguments.length; i++) append(el, arguments[i]);
    return el;
  };
  function append(el, child) {
    if (child === undefined || child === null || child === false) return;
    if (Array.isArray(child)) child.forEach(function (c) { append(el, c); });
    else if (child instanceof Node) el.appendChild(child);
    else el.appendChild(document.createTextNode(String(child)));
  }
  MC.clear = function (el) {
    while (el.firstChild) el.removeChild(el.firstChild);
    return el;
  };
  MC.$ = function (selector, root) {
    return (root || document).querySelector(selector);
  };
  MC.badge = function (text, cls) {
    return MC.h("span", { class: "badge " + (cls || ""), text: text });
  };
  MC.empty = function (title, hint) {
    return MC.h("div", { class: "empty" }, MC.h("strong", { text: title }), hint ? MC.h("span", { text: hint }) : null);
  };
  MC.label = function (value) {
    return String(value || "").replace(/_/g, " ");
  };

  // ---- Times: relative, absolute on hover ----
  function relative(seconds) {
    var diff = Math.round(Date.now() / 1000 - seconds);
    var future = diff < 0;
    var d = Math.abs(diff);
    var text;
    if (d < 45) text = future ? "in a few seconds" : "just now";
    else {
      var units = [["day", 86400], ["h", 3600], ["min", 60]];
      for (var i = 0; i < units.length; i++) {
        if (d >= units[i][1] || i === units.length - 1) {
          var n = Math.round(d / units[i][1]);
          var unit = units[i][0] === "day" ? (n === 1 ? "day" : "days") : units[i][0];
          text = future ? "in " + n + " " + unit : n + " " + unit + " ago";
          break;
        }
      }
    }
    return text;
  }
  MC.absolute = function (seconds) {
    return new Date(seconds * 1000).toLocaleString();
  };
  MC.time = function (seconds) {
    if (!seconds) return MC.h("span", { class: "muted", text: "never" });
    var el = MC.h("time", {
      datetime: new Date(seconds * 1000).toISOString(),
      title: MC.absolute(seconds),
      "data-ts": seconds,
      text: relative(seconds),
    });
    return el;
  };
  function refreshTimes() {
    document.querySelectorAll("time[data-ts]").forEach(function (el) {
      var ts = Number(el.dataset.ts);
      el.textContent = relative(ts);
      if (!el.title) el.title = MC.absolute(ts);
    });
  }
  MC.refreshTimes = refreshTimes;
  setInterval(refreshTimes, 30000);

  // ---- Errors beside the control that caused them ----
  MC.showError = function (control, err) {
    var message = err && err.message !== undefined ? err.message : String(err || "");
    var anchor = control.closest(".field") || control;
    var box = anchor.nextElementSibling;
    if (!box || !box.classList.contains("field-error")) {
      box = MC.h("p", { class: "field-error", role: "alert" });
      anchor.insertAdjacentElement("afterend", box);
    }
    box.textContent = message;
    // Some refusals say what to do about them (a gateway's token mismatch, pairing, ...).
    var guidance = err && err.data && err.data.guidance;
    if (message && guidance) box.appendChild(MC.h("span", { class: "field-guidance", text: guidance }));
    box.hidden = !message;
    return box;
  };
  MC.clearError = function (control) {
    MC.showError(control, "");
  };

  // Runs `work` with the control disabled; an API error lands beside the control.
  MC.act = async function (control, work) {
    control.disabled = true;
    MC.clearError(control);
    try {
      return await work();
    } catch (err) {
      MC.showError(control, err);
      return undefined;
    } finally {
      control.disabled = false;
    }
  };

  // ---- Dialogs: native <dialog> traps focus and closes on Escape ----
  MC.openDialog = function (dialog, focusSelector) {
    if (!dialog.open) dialog.showModal();
    var target = focusSelector ? dialog.querySelector(focusSelector) : null;
    if (target) target.focus();
  };
  document.addEventListener("click", function (event) {
    var closer = event.target.closest("[data-close]");
    if (closer) {
      var dialog = closer.closest("dialog");
      if (dialog) dialog.close();
    }
  });

  // ---- Paging ----
  MC.pager = function (container, total, limit, offset, onPage) {
    MC.clear(container);
    if (total <= limit && offset === 0) return;
    var from = total ? offset + 1 : 0;
    var to = Math.min(total, offset + limit);
    container.appendChild(MC.h("span", { class: "muted small", text: from + "–" + to + " of " + total }));
    var prev = MC.h("button", { type: "button", class: "small", text: "Previous", onclick: function () { onPage(Math.max(0, offset - limit)); } });
    var next = MC.h("button", { type: "button", class: "small", text: "Next", onclick: function () { onPage(offset + limit); } });
    prev.disabled = offset === 0;
    next.disabled = offset + limit >= total;
    container.appendChild(prev);
    container.appendChild(next);
  };

  // ---- Secrets shown once ----
  MC.secretOnce = function (container, title, secret) {
    MC.clear(container);
    var code = MC.h("code", { class: "secret-value", text: secret });
    var copy = MC.h("button", { type: "button", class: "small", text: "Copy" });
    copy.addEventListener("click", function () {
      if (navigator.clipboard) {
        navigator.clipboard.writeText(secret).then(function () { copy.textContent = "Copied"; }, function () { copy.textContent = "Select and copy"; });
      }
    });
    container.appendChild(
      MC.h("div", { class: "secret-once", role: "status" },
        MC.h("strong", { text: title }),
        code,
        MC.h("span", { class: "small", text: "Copy it now: it is not shown again." }),
        MC.h("div", { class: "form-actions" }, copy)
      )
    );
    container.hidden = false;
  };

  // ---- Live events (Server-Sent Events) ----
  var handlers = [];
  var source = null;
  MC.live = function (handler) {
    handlers.push(handler);
    connect();
  };
  function connect() {
    var url = body.dataset.events;
    var dot = document.getElementById("live-status");
    if (source || !url || !window.EventSource) return;
    source = new EventSource(url);
    source.onopen = function () {
      if (dot) { dot.dataset.state = "open"; dot.textContent = "Live"; }
    };
    source.onerror = function () {
      if (dot) { dot.dataset.state = "error"; dot.textContent = "Reconnecting"; }
    };
    source.onmessage = function (message) {
      var event;
      try {
        event = JSON.parse(message.data);
      } catch (err) {
        return;
      }
      if (!event || event.type === "connected") return;
      handlers.forEach(function (handler) { handler(event); });
    };
  }
  window.addEventListener("pagehide", function () {
    if (source) source.close();
  });

  // ---- Sign-out, shared across tabs ----
  var channel = window.BroadcastChannel ? new BroadcastChannel("mc-auth") : null;
  if (channel) {
    channel.onmessage = function (message) {
      if (message.data === "logout") location.assign("/login");
    };
  }
  var logout = document.getElementById("logout");
  if (logout) {
    logout.addEventListener("click", async function () {
      logout.disabled = true;
      try {
        await MC.api("POST", "/api/auth/logout", {});
      } catch (err) {
        /* the session is gone either way */
      }
      if (channel) channel.postMessage("logout");
      location.assign("/login");
    });
  }
  // A tab coming back into view checks its session is still alive.
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible" && body.dataset.role) {
      MC.api("GET", "/api/auth/me").catch(function () {});
    }
  });

  // ---- Theme and menu ----
  var themeButton = document.getElementById("theme-toggle");
  function currentTheme() {
    var set = document.documentElement.dataset.theme;
    if (set) return set;
    return window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  }
  function labelTheme() {
    if (themeButton) {
      var next = currentTheme() === "dark" ? "light" : "dark";
      themeButton.textContent = next === "dark" ? "Dark theme" : "Light theme";
      themeButton.setAttribute("aria-label", "Switch to the " + next + " theme");
    }
  }
  if (themeButton) {
    labelTheme();
    themeButton.addEventListener("click", function () {
      var next = currentTheme() === "dark" ? "light" : "dark";
      document.documentElement.dataset.theme = next;
      try { localStorage.setItem("mc-theme", next); } catch (err) { /* ignore */ }
      labelTheme();
    });
  }
  var menu = document.getElementById("menu-toggle");
  var sidebar = document.getElementById("sidebar");
  if (menu && sidebar) {
    menu.addEventListener("click", function () {
      var open = sidebar.dataset.open !== "true";
      sidebar.dataset.open = String(open);
      menu.setAttribute("aria-expanded", String(open));
      if (open) {
        var first = sidebar.querySelector("a");
        if (first) first.focus();
      }
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && sidebar.dataset.open === "true") {
        sidebar.dataset.open = "false";
        menu.setAttribute("aria-expanded", "false");
        menu.focus();
      }
    });
  }
  refreshTimes();
})();
