// Audit log: filters (action, actor, time range), paging, export of the same filter, and the
// hash chain's verification status.
"use strict";
(function () {
  var h = MC.h;
  var form = document.getElementById("audit-filters");
  var rowsEl = document.getElementById("audit-rows");
  var emptyBox = document.getElementById("audit-empty");
  var pager = document.getElementById("audit-pager");
  var chain = document.getElementById("chain-status");
  var LIMIT = 50;
  var offset = 0;

  function unix(value) {
    if (!value) return "";
    var ms = new Date(value).getTime();
    return isNaN(ms) ? "" : String(Math.floor(ms / 1000));
  }
  function filters() {
    return {
      action: form.elements.action.value.trim(),
      actor: form.elements.actor.value.trim(),
      since: unix(form.elements.since.value),
      until: unix(form.elements.until.value),
    };
  }
  function detailText(detail) {
    if (!detail || typeof detail !== "object") return detail ? String(detail) : "";
    return Object.keys(detail).map(function (k) {
      var v = detail[k];
      return k + "=" + (typeof v === "object" ? JSON.stringify(v) : v);
    }).join(" ");
  }

  async function load() {
    var f = filters();
    ["export-csv", "export-json"].forEach(function (id) {
      var link = document.getElementById(id);
      link.href = "/audit/export" + MC.qs(Object.assign({ format: id === "export-csv" ? "csv" : "json" }, f));
    });
    try {
      var data = await MC.api("GET", "/api/audit" + MC.qs(Object.assign({ limit: LIMIT, offset: offset }, f)));
      MC.clearError(form);
      MC.clear(rowsEl);
      MC.clear(emptyBox);
      (data.events || []).forEach(function (e) {
        var cls = /failed|denied|revoked|delete/.test(e.action) ? "warn" : "";
        rowsEl.appendChild(h("tr", {},
          h("td", {}, MC.time(e.created_at)),
          h("td", {}, MC.badge(e.action, cls)),
          h("td", { text: e.actor || "—" }),
          h("td", { class: "hide-narrow", text: e.target_type ? e.target_type + (e.target_id ? " " + e.target_id : "") : "—" }),
          h("td", { class: "hide-narrow mono", text: e.ip_address || "" }),
          h("td", { class: "small mono", text: detailText(e.detail) })
        ));
      });
      if (!data.total) emptyBox.appendChild(MC.empty("No audit events match", "Widen the time range or clear the filters."));
      document.getElementById("audit-count").textContent = data.total + " events";
      MC.pager(pager, data.total, LIMIT, offset, function (next) { offset = next; load(); });
    } catch (err) {
      MC.showError(form, err);
    }
  }

  async function verify() {
    var button = document.getElementById("verify");
    chain.className = "notice";
    chain.textContent = "Checking the audit chain…";
    await MC.act(button, async function () {
      var r = await MC.api("GET", "/api/audit/verify");
      if (r.ok) {
        chain.className = "notice ok";
        chain.textContent = "Chain intact: " + r.checked + " rows verified" + (r.checkpoint ? " since the retention checkpoint" : "") + ".";
      } else {
        chain.className = "notice error";
        chain.textContent = "Chain broken at row " + r.broken_at + ": " + (r.reason || "a row was altered, removed or inserted") + ".";
      }
    }).then(function () {
      if (chain.textContent.indexOf("Checking") === 0) {
        chain.className = "notice error";
        chain.textContent = "Could not verify the chain right now.";
      }
    });
  }

  form.addEventListener("submit", function (event) { event.preventDefault(); offset = 0; load(); });
  document.getElementById("audit-reset").addEventListener("click", function () { form.reset(); offset = 0; load(); });
  document.getElementById("verify").addEventListener("click", verify);
  load();
  verify();
})();
