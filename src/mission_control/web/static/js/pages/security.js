// Security posture: checklist results with fix hints, event counts, score reasons, top IPs.
"use strict";
(function () {
  var h = MC.h;
  var timeframe = document.getElementById("timeframe");

  async function scan() {
    var list = document.getElementById("check-list");
    var button = document.getElementById("rescan");
    await MC.act(button, async function () {
      var data = await MC.api("GET", "/api/security-scan");
      MC.clear(list);
      var items = (data.items || []).slice().sort(function (a, b) {
        var order = { fail: 0, warn: 1, pass: 2 };
        return (order[a.status] || 0) - (order[b.status] || 0);
      });
      items.forEach(function (item) {
        list.appendChild(h("li", {},
          MC.badge(item.status, item.status),
          h("div", { class: "grow" }, h("strong", { text: item.title }), item.detail ? h("div", { class: "small muted", text: item.detail }) : null,
            item.status !== "pass" && item.fix ? h("div", { class: "small" }, h("strong", { text: "Fix: " }), item.fix) : null)
        ));
      });
      var s = data.summary || {};
      document.getElementById("scan-summary").textContent = (s.pass || 0) + " pass · " + (s.warn || 0) + " warn · " + (s.fail || 0) + " fail";
    });
  }

  async function overview() {
    try {
      var data = await MC.api("GET", "/api/security-audit?timeframe=" + timeframe.value);
      var t = data.totals || {};
      ["auth_failure", "permission_denied", "rate_limit_hit", "api_key_used"].forEach(function (k) {
        document.getElementById("m-" + k).textContent = t[k] || 0;
      });
      document.getElementById("m-refusals").textContent = (t.csrf_denied || 0) + (t.host_denied || 0);
      var p = data.posture || {};
      document.getElementById("posture-score").textContent = p.score !== undefined ? p.score : "—";
      document.getElementById("posture-level").textContent = p.level || "";
      var reasons = MC.clear(document.getElementById("reason-list"));
      (p.reasons || []).forEach(function (r) {
        reasons.appendChild(h("li", {}, MC.badge("−" + r.penalty, "warn"), h("span", { class: "grow", text: r.reason })));
      });
      if (!reasons.children.length) reasons.appendChild(h("li", { class: "muted", text: "Nothing: no hostile traffic and every check passes." }));
      var ips = MC.clear(document.getElementById("ip-list"));
      (data.top_ips || []).forEach(function (ip) {
        ips.appendChild(h("li", {}, h("span", { class: "grow mono", text: ip.ip }), h("strong", { text: ip.count })));
      });
      if (!ips.children.length) ips.appendChild(h("li", { class: "muted", text: "No security events from any address in this timeframe." }));
      var recent = MC.clear(document.getElementById("recent-list"));
      (data.recent || []).slice(0, 20).forEach(function (e) {
        recent.appendChild(h("li", {}, MC.badge(MC.label(e.event_type), e.severity === "warning" ? "warn" : ""), h("span", { class: "grow mono small", text: (e.ip_address || "") + (e.detail && e.detail.path ? " " + e.detail.path : "") }), MC.time(e.created_at)));
      });
      if (!recent.children.length) recent.appendChild(h("li", { class: "muted", text: "No security events recorded yet." }));
    } catch (err) {
      MC.showError(timeframe, err);
    }
  }

  document.getElementById("rescan").addEventListener("click", scan);
  timeframe.addEventListener("change", overview);
  scan();
  overview();
})();
