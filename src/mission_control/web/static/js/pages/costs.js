// Costs: spend and tokens by model, agent and task over a timeframe, a per-day bar chart
// (SVG built in the DOM: no inline style), and the CSV export of the same timeframe.
"use strict";
(function () {
  var h = MC.h;
  var SVG = "http://www.w3.org/2000/svg";
  var timeframe = document.getElementById("cost-timeframe");

  function money(n) {
    n = Number(n || 0);
    return "$" + (n >= 100 ? n.toFixed(0) : n.toFixed(n >= 1 ? 2 : 4));
  }
  function count(n) {
    n = Number(n || 0);
    if (n >= 1e6) return (n / 1e6).toFixed(1) + "M";
    if (n >= 1e3) return (n / 1e3).toFixed(1) + "k";
    return String(n);
  }
  function svg(tag, attrs) {
    var el = document.createElementNS(SVG, tag);
    Object.keys(attrs || {}).forEach(function (k) { el.setAttribute(k, attrs[k]); });
    return el;
  }

  function chart(points) {
    var box = MC.clear(document.getElementById("cost-chart"));
    if (!points.length) {
      box.appendChild(MC.empty("No spend recorded in this timeframe", "Agents report usage with POST /api/tokens or with their heartbeats."));
      return;
    }
    var W = 800, H = 220, pad = 28;
    var max = Math.max.apply(null, points.map(function (p) { return p.cost; })) || 1;
    var root = svg("svg", { viewBox: "0 0 " + W + " " + H, class: "chart", role: "img", "aria-label": "Spend per day" });
    root.appendChild(svg("line", { x1: pad, y1: H - pad, x2: W, y2: H - pad, class: "axis" }));
    var step = (W - pad) / points.length;
    points.forEach(function (p, i) {
      var height = Math.max(1, (p.cost / max) * (H - 2 * pad));
      var width = Math.min(step * 0.7, 56);
      var bar = svg("rect", { x: pad + i * step + (step - width) / 2, y: H - pad - height, width: width, height: height, class: "bar" });
      var title = svg("title", {});
      title.textContent = p.date + ": " + money(p.cost) + ", " + count(p.tokens) + " tokens";
      bar.appendChild(title);
      root.appendChild(bar);
      if (points.length <= 14 || i % Math.ceil(points.length / 10) === 0) {
        var label = svg("text", { x: pad + i * step + step / 2, y: H - 8, "text-anchor": "middle" });
        label.textContent = String(p.date).slice(5);
        root.appendChild(label);
      }
    });
    var top = svg("text", { x: 2, y: pad - 6 });
    top.textContent = money(max);
    root.appendChild(top);
    box.appendChild(root);
  }

  function fill(id, map, empty) {
    var rows = MC.clear(document.getElementById(id));
    var names = Object.keys(map || {}).sort(function (a, b) { return (map[b].totalCost || 0) - (map[a].totalCost || 0); });
    names.forEach(function (name) {
      var s = map[name];
      rows.appendChild(h("tr", {}, h("td", { class: "mono", text: name }), h("td", { text: s.requestCount }), h("td", { text: count(s.totalTokens) }), h("td", { text: money(s.totalCost) })));
    });
    if (!names.length) rows.appendChild(h("tr", {}, h("td", { colspan: 4, class: "muted", text: empty })));
  }

  async function load() {
    var tf = timeframe.value;
    document.getElementById("cost-export").href = "/api/tokens" + MC.qs({ action: "export", format: "csv", timeframe: tf });
    try {
      var stats = await MC.api("GET", "/api/tokens" + MC.qs({ action: "stats", timeframe: tf }));
      var s = stats.summary || {};
      document.getElementById("c-cost").textContent = money(s.totalCost);
      document.getElementById("c-requests").textContent = (s.requestCount || 0) + " requests";
      document.getElementById("c-tokens").textContent = count(s.totalTokens);
      document.getElementById("c-avg").textContent = money(s.avgCostPerRequest) + " per request";
      fill("model-rows", stats.models, "No usage recorded.");
      fill("agent-cost-rows", stats.agents, "No agent usage recorded.");

      var byAgent = await MC.api("GET", "/api/tokens" + MC.qs({ action: "agent-costs", timeframe: tf }));
      var days = {};
      Object.keys(byAgent.agents || {}).forEach(function (name) {
        (byAgent.agents[name].timeline || []).forEach(function (p) {
          var d = days[p.date] || (days[p.date] = { date: p.date, cost: 0, tokens: 0 });
          d.cost += Number(p.cost || 0);
          d.tokens += Number(p.tokens || 0);
        });
      });
      chart(Object.keys(days).sort().map(function (k) { return days[k]; }));

      var byTask = await MC.api("GET", "/api/tokens" + MC.qs({ action: "task-costs", timeframe: tf }));
      var rows = MC.clear(document.getElementById("task-cost-rows"));
      (byTask.tasks || []).slice(0, 50).forEach(function (t) {
        rows.appendChild(h("tr", {}, h("td", {}, h("a", { href: "/tasks?task=" + t.taskId, text: t.title || "#" + t.taskId })), h("td", { class: "hide-narrow", text: t.assignedTo || "—" }),
          h("td", { text: count((t.stats || {}).totalTokens) }), h("td", { text: money((t.stats || {}).totalCost) })));
      });
      if (!rows.children.length) rows.appendChild(h("tr", {}, h("td", { colspan: 4, class: "muted", text: "No usage attributed to tasks. Send taskId with token reports to see it here." })));
    } catch (err) {
      MC.showError(timeframe, err);
    }
  }
  timeframe.addEventListener("change", load);
  load();
})();
