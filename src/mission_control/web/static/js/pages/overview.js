// Overview: the activity stream and the metric cards follow live events.
"use strict";
(function () {
  var h = MC.h;
  var stream = document.getElementById("activity-stream");
  var empty = document.getElementById("stream-empty");
  var live = document.getElementById("overview-live");
  var pending = null;
  var MAX_ROWS = 50;

  function addActivity(a) {
    if (!a || stream.querySelector('[data-id="' + a.id + '"]')) return;
    var row = h("li", { class: "fresh", "data-id": a.id },
      MC.badge(MC.label(a.type)),
      h("span", { class: "grow" }, a.description || "", " ", h("span", { class: "muted small", text: "· " + (a.actor || "") })),
      MC.time(a.created_at)
    );
    stream.insertBefore(row, stream.firstChild);
    empty.hidden = true;
    while (stream.children.length > MAX_ROWS) stream.removeChild(stream.lastChild);
  }

  async function refreshMetrics() {
    pending = null;
    try {
      var response = await fetch("/partials/overview", { credentials: "same-origin" });
      if (response.status === 401) return MC.signedOut();
      if (!response.ok) return;
      // Server-rendered, autoescaped HTML from our own origin.
      live.innerHTML = await response.text();
      MC.refreshTimes();
    } catch (err) {
      /* keep the last numbers; the next event retries */
    }
  }

  MC.live(function (event) {
    if (event.type === "activity.created") addActivity(event.data);
    if (/^(task|agent|notification|activity)\./.test(event.type) && !pending) {
      pending = setTimeout(refreshMetrics, 400);
    }
  });
})();
