// Pipelines (operator): list, create, edit and delete pipelines of workflow templates, start
// runs, follow and cancel them.
"use strict";
(function () {
  var h = MC.h;
  var templates = [];
  var selected = null;
  var dialog = document.getElementById("pipeline-dialog");
  var form = document.getElementById("pipeline-form");
  var steps = document.getElementById("step-list");
  var editing = null; // the pipeline the dialog edits; null when it creates one

  async function loadTemplates() {
    var list = MC.clear(document.getElementById("template-list"));
    try {
      var data = await MC.api("GET", "/api/workflows");
      templates = data.templates || [];
      templates.forEach(function (t) {
        list.appendChild(h("li", {}, h("strong", { text: t.name }), h("span", { class: "grow small muted", text: (t.description || t.task_prompt || "").slice(0, 140) }),
          MC.badge(t.model || ""), h("span", { class: "small muted", text: (t.use_count || 0) + " uses" })));
      });
      if (!templates.length) list.appendChild(h("li", {}, MC.empty("No workflow templates", "Create templates with POST /api/workflows; a pipeline chains two or more of them.")));
    } catch (err) {
      list.appendChild(h("li", { class: "error", text: err.message }));
    }
  }

  async function load() {
    var list = MC.clear(document.getElementById("pipeline-list"));
    var data;
    try {
      data = await MC.api("GET", "/api/pipelines");
    } catch (err) {
      list.appendChild(h("li", { class: "error", text: err.message }));
      return;
    }
    var pipelines = data.pipelines || [];
    if (!selected && pipelines.length) {
      selected = pipelines[0];
      loadRuns();
    }
    if (!pipelines.length) list.appendChild(h("li", {}, MC.empty("No pipelines", "Use “New pipeline” to chain workflow templates into steps.")));
    pipelines.forEach(function (p) {
      var start = h("button", { type: "button", class: "small primary", text: "Start run" });
      start.addEventListener("click", function () {
        MC.act(start, async function () {
          await MC.api("POST", "/api/pipelines/run", { action: "start", pipeline_id: p.id });
          selected = p;
          loadRuns();
        });
      });
      var runs = h("button", { type: "button", class: "small", text: "Runs", onclick: function () { selected = p; loadRuns(); } });
      var edit = h("button", { type: "button", class: "small", text: "Edit", onclick: function () { openDialog(p); } });
      // The API lets operators delete pipelines (they are workflow configuration).
      var del = null;
      if (MC.can("operator")) {
        del = h("button", { type: "button", class: "small danger", text: "Delete" });
        del.addEventListener("click", function () {
          if (!window.confirm("Delete pipeline " + p.name + "?")) return;
          MC.act(del, async function () {
            await MC.api("DELETE", "/api/pipelines", { id: p.id });
            load();
          });
        });
      }
      var stepNames = (p.steps || []).map(function (s) {
        var t = templates.find(function (x) { return x.id === s.template_id; });
        return (t ? t.name : "#" + s.template_id) + (s.on_failure === "continue" ? " (continue)" : "");
      });
      list.appendChild(h("li", {}, h("div", { class: "grow" }, h("strong", { text: p.name }), h("div", { class: "small muted", text: stepNames.join(" → ") })),
        h("div", { class: "form-actions" }, start, runs, edit, del)));
    });
  }

  async function loadRuns() {
    var rows = MC.clear(document.getElementById("run-rows"));
    if (!selected) return;
    document.getElementById("runs-scope").textContent = selected.name;
    try {
      var data = await MC.api("GET", "/api/pipelines/run?pipeline_id=" + selected.id);
      var runs = data.runs || (data.run ? [data.run] : []);
      runs.forEach(function (r) {
        var live = r.status === "pending" || r.status === "running";
        var cancel = null;
        if (live) {
          cancel = h("button", { type: "button", class: "small danger", text: "Cancel" });
          cancel.addEventListener("click", function () {
            MC.act(cancel, async function () {
              await MC.api("POST", "/api/pipelines/run", { action: "cancel", run_id: r.id });
              loadRuns();
            });
          });
        }
        var cls = r.status === "completed" ? "ok" : r.status === "failed" || r.status === "cancelled" ? "fail" : "warn";
        rows.appendChild(h("tr", {}, h("td", { class: "mono", text: "#" + r.id }), h("td", {}, MC.badge(MC.label(r.status), cls)),
          h("td", { text: (r.current_step || 0) + 1 + " / " + ((r.steps_snapshot || []).length || "?") }),
          h("td", { class: "hide-narrow" }, MC.time(r.started_at)), h("td", { class: "hide-narrow" }, r.completed_at ? MC.time(r.completed_at) : "—"),
          h("td", { class: "actions" }, cancel)));
      });
      if (!runs.length) rows.appendChild(h("tr", {}, h("td", { colspan: 6, class: "muted", text: "No runs yet: start one." })));
    } catch (err) {
      rows.appendChild(h("tr", {}, h("td", { colspan: 6, class: "error", text: err.message })));
    }
  }

  function addStep(step) {
    var select = h("select", { "aria-label": "Template of step " + (steps.children.length + 1) },
      templates.map(function (t) { return h("option", { value: t.id, text: t.name }); }));
    var onFailure = h("select", { "aria-label": "On failure" }, h("option", { value: "stop", text: "stop on failure" }), h("option", { value: "continue", text: "continue on failure" }));
    if (step) {
      select.value = String(step.template_id);
      onFailure.value = step.on_failure || "stop";
    }
    var remove = h("button", { type: "button", class: "small", text: "Remove" });
    var row = h("div", { class: "field-row step" }, h("div", { class: "field" }, select), h("div", { class: "field" }, onFailure), h("div", { class: "form-actions" }, remove));
    remove.addEventListener("click", function () { row.remove(); });
    steps.appendChild(row);
  }
  // One dialog for both: empty with two steps to create, filled in from `pipeline` to edit.
  function openDialog(pipeline) {
    editing = pipeline || null;
    form.reset();
    MC.clear(steps);
    MC.clearError(document.getElementById("pipeline-save"));
    document.getElementById("pipeline-dialog-title").textContent = editing ? "Edit pipeline" : "New pipeline";
    document.getElementById("pipeline-save").textContent = editing ? "Save changes" : "Create pipeline";
    if (editing) {
      form.elements.name.value = editing.name;
      form.elements.description.value = editing.description || "";
      (editing.steps || []).forEach(addStep);
    } else {
      addStep();
      addStep();
    }
    MC.openDialog(dialog, "#pl-name");
  }
  document.getElementById("add-step").addEventListener("click", function () { addStep(); });
  document.getElementById("new-pipeline").addEventListener("click", function () { openDialog(null); });
  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    var description = form.elements.description.value.trim();
    var payload = {
      name: form.elements.name.value.trim(),
      // Editing sends null to clear a description; creating leaves an empty one out.
      description: description || (editing ? null : undefined),
      steps: Array.prototype.map.call(steps.querySelectorAll(".step"), function (row) {
        var selects = row.querySelectorAll("select");
        return { template_id: Number(selects[0].value), on_failure: selects[1].value };
      }),
    };
    if (editing) payload.id = editing.id;
    var done = await MC.act(document.getElementById("pipeline-save"), function () {
      return MC.api(editing ? "PUT" : "POST", "/api/pipelines", payload);
    });
    if (done) {
      dialog.close();
      load();
    }
  });

  MC.live(function (event) {
    if (selected && /^task\./.test(event.type)) loadRuns();
  });
  loadTemplates().then(load);
})();
