// Activity: a filterable, paged feed; new activity arrives live on the first page.
"use strict";
(function () {
  var h = MC.h;
  var form = document.getElementById("activity-filters");
  var list = document.getElementById("activity-list");
  var pager = document.getElementById("activity-pager");
  var count = document.getElementById("feed-count");
  var LIMIT = 50;
  var offset = 0;
  var total = 0;

  function filters() {
    return {
      type: form.elements.type.value,
      actor: form.elements.actor.value.trim(),
      entity_type: form.elements.entity_type.value,
    };
  }

  function row(a, fresh) {
    return h("li", { class: fresh ? "fresh" : "", "data-id": a.id },
      MC.badge(MC.label(a.type)),
      h("span", { class: "grow" }, a.description || "", " ", h("span", { class: "muted small", text: "· " + (a.actor || "") + (a.entity_type ? " · " + a.entity_type + (a.entity_id ? " #" + a.entity_id : "") : "") })),
      MC.time(a.created_at)
    );
  }

  async function load() {
    var params = Object.assign({ limit: LIMIT, offset: offset }, filters());
    try {
      var data = await MC.api("GET", "/api/activities" + MC.qs(params));
      total = data.total || 0;
      MC.clear(list);
      (data.activities || []).forEach(function (a) { list.appendChild(row(a)); });
      if (!total) {
        list.appendChild(h("li", {}, MC.empty("Nothing here yet", params.type || params.actor || params.entity_type ? "No activity matches these filters: clear them to see everything." : "Activity appears as agents and people create and move tasks.")));
      }
      count.textContent = total + (total === 1 ? " entry" : " entries");
      MC.pager(pager, total, LIMIT, offset, function (next) { offset = next; load(); });
    } catch (err) {
      MC.showError(form, err);
    }
  }

  function matches(a) {
    var f = filters();
    return (!f.type || a.type === f.type) && (!f.actor || a.actor === f.actor) && (!f.entity_type || a.entity_type === f.entity_type);
  }

  form.addEventListener("submit", function (event) { event.preventDefault(); offset = 0; load(); });
  form.addEventListener("change", function () { offset = 0; load(); });

  MC.live(function (event) {
    if (event.type !== "activity.created" || offset !== 0 || !event.data || !matches(event.data)) return;
    if (list.querySelector('[data-id="' + event.data.id + '"]')) return;
    var placeholder = list.querySelector(".empty");
    if (placeholder) MC.clear(list);
    list.insertBefore(row(event.data, true), list.firstChild);
    total += 1;
    count.textContent = total + (total === 1 ? " entry" : " entries");
    while (list.children.length > LIMIT) list.removeChild(list.lastChild);
  });
  load();
})();
