// Task board: columns by status, drag and drop through the bulk-move API (the review gate's
// refusal is shown in the column), create/edit dialog, detail with reviews and threaded
// comments, @mention autocomplete, live refresh.
"use strict";
(function () {
  var h = MC.h;
  var board = document.getElementById("board");
  var boardError = document.getElementById("board-error");
  var filters = document.getElementById("task-filters");
  var statuses = board.dataset.statuses.split(",");
  var people = JSON.parse(board.dataset.people || "[]");
  var canEdit = MC.can("operator");
  var tasks = [];
  var agents = [];
  var current = null; // the task open in the detail dialog
  var dragging = null;

  // ---------- Board ----------
  // Each column is its own page of the list API (newest first): a busy status cannot push the
  // others off the board, the count is the server's total, and "Show more" pages through it.
  var COLUMN_PAGE = 50;
  var MAX_LIMIT = 200; // the list API's cap
  var columns = {}; // status -> { tasks: [...], total: n }

  function filterParams() {
    var params = {};
    ["assigned_to", "priority", "project_id"].forEach(function (name) {
      params[name] = filters.elements[name].value.trim();
    });
    return params;
  }

  function fetchColumn(status, offset, limit) {
    var params = Object.assign({ status: status, limit: limit, offset: offset }, filterParams());
    return MC.api("GET", "/api/tasks" + MC.qs(params));
  }

  function collect() {
    tasks = [];
    statuses.forEach(function (status) { tasks = tasks.concat(columns[status].tasks); });
  }

  async function load() {
    try {
      // A refresh keeps what "Show more" already brought in (up to the API's cap).
      var pages = await Promise.all(statuses.map(function (status) {
        var shown = columns[status] ? columns[status].tasks.length : 0;
        return fetchColumn(status, 0, Math.min(MAX_LIMIT, Math.max(COLUMN_PAGE, shown)));
      }));
      statuses.forEach(function (status, i) {
        columns[status] = { tasks: pages[i].tasks || [], total: pages[i].total || 0 };
      });
      collect();
      boardError.hidden = true;
      render();
    } catch (err) {
      boardError.textContent = err.message;
      boardError.hidden = false;
    }
  }

  async function showMore(status, button) {
    var col = columns[status];
    var page = await MC.act(button, function () {
      return fetchColumn(status, col.tasks.length, COLUMN_PAGE);
    });
    if (!page) return;
    // A task created meanwhile shifts the list down by one: skip what is already shown.
    var seen = {};
    col.tasks.forEach(function (t) { seen[t.id] = true; });
    col.tasks = col.tasks.concat((page.tasks || []).filter(function (t) { return !seen[t.id]; }));
    col.total = page.total || col.total;
    collect();
    render();
  }

  function matchesSearch(task) {
    var q = filters.elements.q.value.trim().toLowerCase();
    return !q || task.title.toLowerCase().indexOf(q) !== -1 || (task.ticket_ref || "").toLowerCase().indexOf(q) !== -1;
  }

  function render() {
    var searching = !!filters.elements.q.value.trim();
    var none = statuses.every(function (s) { return !columns[s] || !columns[s].total; });
    statuses.forEach(function (status) {
      var column = board.querySelector('.column[data-status="' + status + '"]');
      var bodyEl = MC.clear(column.querySelector(".column-body"));
      var col = columns[status] || { tasks: [], total: 0 };
      var items = col.tasks.filter(matchesSearch);
      var count = column.querySelector("[data-count]");
      // The title search runs over the cards loaded; otherwise the count is the server's total.
      count.textContent = searching ? items.length : col.total;
      count.title = searching ? items.length + " of the " + col.tasks.length + " loaded match" : col.total + " tasks";
      items.forEach(function (task) { bodyEl.appendChild(card(task)); });
      if (status === "inbox" && none) {
        bodyEl.appendChild(MC.empty("No tasks", canEdit ? "Use “New task” to create the first one." : "Tasks show up here once an operator creates them."));
      }
      var foot = MC.clear(column.querySelector(".column-foot"));
      if (col.tasks.length < col.total) {
        var more = h("button", { type: "button", class: "small show-more", text: "Show more" });
        more.addEventListener("click", function () { showMore(status, more); });
        foot.appendChild(h("span", { class: "muted small", text: col.tasks.length + " of " + col.total + " shown" }));
        foot.appendChild(more);
      }
      foot.hidden = !foot.firstChild;
    });
  }

  function card(task) {
    var open = h("button", { type: "button", class: "row-link", text: task.title, onclick: function () { openDetail(task.id); } });
    var el = h("article", { class: "task-card", "data-id": task.id, "aria-label": task.title },
      h("div", { class: "meta" }, task.ticket_ref ? h("span", { class: "mono", text: task.ticket_ref }) : null, MC.badge(task.priority, "p-" + task.priority)),
      open,
      h("div", { class: "meta" },
        h("span", { text: task.assigned_to ? "@" + task.assigned_to : "unassigned" }),
        task.comment_count ? h("span", { text: "· " + task.comment_count + (task.comment_count === 1 ? " comment" : " comments") }) : null,
        h("span", { text: "·" }), MC.time(task.updated_at)
      )
    );
    if (canEdit) {
      el.setAttribute("draggable", "true");
      el.addEventListener("dragstart", function (event) {
        dragging = task;
        el.classList.add("dragging");
        event.dataTransfer.effectAllowed = "move";
        event.dataTransfer.setData("text/plain", String(task.id));
      });
      el.addEventListener("dragend", function () {
        el.classList.remove("dragging");
        dragging = null;
      });
      var select = h("select", { "aria-label": "Move " + task.title + " to", class: "move-select" },
        h("option", { value: "", text: "Move to…" }),
        statuses.filter(function (s) { return s !== task.status; }).map(function (s) {
          return h("option", { value: s, text: MC.label(s) });
        })
      );
      select.addEventListener("change", function () {
        if (select.value) move(task, select.value);
      });
      el.appendChild(select);
    }
    return el;
  }

  function columnError(status, message) {
    var column = board.querySelector('.column[data-status="' + status + '"]');
    var box = column.querySelector(".column-error");
    if (!box) {
      box = h("p", { class: "field-error column-error", role: "alert" });
      column.appendChild(box);
    }
    box.textContent = message;
    box.hidden = !message;
  }

  async function move(task, status) {
    if (task.status === status) return;
    statuses.forEach(function (s) { columnError(s, ""); });
    try {
      await MC.api("PUT", "/api/tasks", { tasks: [{ id: task.id, status: status }] });
    } catch (err) {
      columnError(status, "Could not move “" + task.title + "”: " + err.message);
    }
    await load();
  }

  if (canEdit) {
    board.querySelectorAll(".column").forEach(function (column) {
      column.addEventListener("dragover", function (event) {
        if (!dragging) return;
        event.preventDefault();
        event.dataTransfer.dropEffect = "move";
        column.classList.add("drop-target");
      });
      column.addEventListener("dragleave", function (event) {
        if (!column.contains(event.relatedTarget)) column.classList.remove("drop-target");
      });
      column.addEventListener("drop", function (event) {
        event.preventDefault();
        column.classList.remove("drop-target");
        var id = Number(event.dataTransfer.getData("text/plain"));
        var task = tasks.find(function (t) { return t.id === id; });
        if (task) move(task, column.dataset.status);
      });
    });
  }

  filters.addEventListener("submit", function (event) { event.preventDefault(); });
  filters.addEventListener("change", function (event) {
    if (event.target.name === "q") return;
    columns = {}; // other filters: start each column from its first page again
    load();
  });
  filters.elements.q.addEventListener("input", render);

  // ---------- Create / edit ----------
  var taskDialog = document.getElementById("task-dialog");
  var taskForm = document.getElementById("task-form");
  function openTaskForm(task) {
    taskForm.reset();
    MC.clearError(document.getElementById("task-save"));
    document.getElementById("task-dialog-title").textContent = task ? "Edit " + (task.ticket_ref || "task") : "New task";
    var f = taskForm.elements;
    f.id.value = task ? task.id : "";
    if (task) {
      f.title.value = task.title;
      f.description.value = task.description || "";
      f.status.value = task.status;
      f.priority.value = task.priority;
      f.assigned_to.value = task.assigned_to || "";
      if (task.project_id) f.project_id.value = String(task.project_id);
      f.tags.value = (task.tags || []).join(", ");
    } else {
      f.status.value = "inbox";
      if (filters.elements.project_id.value) f.project_id.value = filters.elements.project_id.value;
    }
    MC.openDialog(taskDialog, "#t-title");
  }
  if (taskForm) {
    document.getElementById("new-task").addEventListener("click", function () { openTaskForm(null); });
    taskForm.addEventListener("submit", async function (event) {
      event.preventDefault();
      var f = taskForm.elements;
      var save = document.getElementById("task-save");
      if (!f.title.value.trim()) {
        MC.showError(f.title, "A title is required.");
        f.title.focus();
        return;
      }
      MC.clearError(f.title);
      var payload = {
        title: f.title.value.trim(),
        description: f.description.value,
        status: f.status.value,
        priority: f.priority.value,
        assigned_to: f.assigned_to.value.trim() || null,
        project_id: f.project_id.value ? Number(f.project_id.value) : undefined,
        tags: f.tags.value.split(",").map(function (t) { return t.trim(); }).filter(Boolean),
      };
      var id = f.id.value;
      var done = await MC.act(save, function () {
        return id ? MC.api("PUT", "/api/tasks/" + id, payload) : MC.api("POST", "/api/tasks", payload);
      });
      if (done) {
        taskDialog.close();
        await load();
        if (id && current && String(current.id) === id) openDetail(current.id);
      }
    });
  }

  // ---------- Detail ----------
  var detailDialog = document.getElementById("detail-dialog");
  async function openDetail(id) {
    var data;
    try {
      data = await MC.api("GET", "/api/tasks/" + id);
    } catch (err) {
      boardError.textContent = err.message;
      boardError.hidden = false;
      return;
    }
    current = data.task;
    var t = current;
    document.getElementById("detail-title").textContent = (t.ticket_ref ? t.ticket_ref + " · " : "") + t.title;
    var fields = MC.clear(document.getElementById("detail-fields"));
    function row(label, value) {
      fields.appendChild(h("dt", { text: label }));
      fields.appendChild(h("dd", {}, value));
    }
    row("Status", MC.badge(MC.label(t.status), "st-" + t.status));
    row("Priority", MC.badge(t.priority, "p-" + t.priority));
    row("Assignee", t.assigned_to || "unassigned");
    row("Project", t.project_name || "");
    row("Created", [MC.time(t.created_at), " by " + t.created_by]);
    row("Updated", MC.time(t.updated_at));
    if (t.tags && t.tags.length) row("Tags", t.tags.join(", "));
    if (t.error_message) row("Error", t.error_message);
    var desc = MC.clear(document.getElementById("detail-description"));
    desc.appendChild(t.description ? h("pre", { text: t.description }) : h("p", { class: "muted", text: "No description." }));
    MC.openDialog(detailDialog);
    loadReviews();
    loadComments();
  }
  var editButton = document.getElementById("detail-edit");
  if (editButton) {
    editButton.addEventListener("click", function () {
      detailDialog.close();
      openTaskForm(current);
    });
  }

  async function loadReviews() {
    var list = MC.clear(document.getElementById("review-list"));
    try {
      var data = await MC.api("GET", "/api/quality-review?taskId=" + current.id);
      var reviews = data.reviews || [];
      if (!reviews.length) list.appendChild(h("li", { class: "muted", text: "No reviews yet. Moving this task to Done needs an approval by aegis." }));
      reviews.forEach(function (r) {
        list.appendChild(h("li", {}, MC.badge(r.status, r.status), h("span", { class: "grow" }, h("strong", { text: r.reviewer + ": " }), r.notes || ""), MC.time(r.created_at)));
      });
    } catch (err) {
      list.appendChild(h("li", { class: "error", text: err.message }));
    }
  }

  var reviewForm = document.getElementById("review-form");
  if (reviewForm) {
    reviewForm.addEventListener("submit", async function (event) {
      event.preventDefault();
      var f = reviewForm.elements;
      var submit = document.getElementById("review-submit");
      var done = await MC.act(submit, function () {
        return MC.api("POST", "/api/quality-review", {
          taskId: current.id,
          reviewer: f.reviewer.value.trim() || "aegis",
          status: f.status.value,
          notes: f.notes.value.trim(),
        });
      });
      if (done) {
        f.notes.value = "";
        await load();
        openDetail(current.id);
      }
    });
  }

  function commentNode(c) {
    var node = h("div", { class: "comment", "data-comment": c.id },
      h("div", { class: "comment-head" }, h("strong", { text: c.author }), " · ", MC.time(c.created_at)),
      h("div", { text: c.content })
    );
    if (canEdit) {
      node.appendChild(h("div", {}, h("button", { type: "button", class: "small", text: "Reply", onclick: function () { replyTo(c); } })));
    }
    if (c.replies && c.replies.length) {
      node.appendChild(h("div", { class: "replies" }, c.replies.map(commentNode)));
    }
    return node;
  }

  async function loadComments() {
    var list = MC.clear(document.getElementById("comment-list"));
    try {
      var data = await MC.api("GET", "/api/tasks/" + current.id + "/comments");
      var comments = data.comments || [];
      if (!comments.length) list.appendChild(h("p", { class: "muted", text: canEdit ? "No comments yet. Start the discussion below; @mention people to notify them." : "No comments yet." }));
      comments.forEach(function (c) { list.appendChild(commentNode(c)); });
    } catch (err) {
      list.appendChild(h("p", { class: "error", text: err.message }));
    }
  }

  var commentForm = document.getElementById("comment-form");
  var replyLabel = document.getElementById("reply-to");
  var replyCancel = document.getElementById("reply-cancel");
  function replyTo(c) {
    commentForm.elements.parent_id.value = c ? c.id : "";
    replyLabel.textContent = c ? "Replying to " + c.author : "";
    replyLabel.hidden = !c;
    replyCancel.hidden = !c;
    if (c) commentForm.elements.content.focus();
  }
  if (commentForm) {
    replyCancel.addEventListener("click", function () { replyTo(null); });
    commentForm.addEventListener("submit", async function (event) {
      event.preventDefault();
      var f = commentForm.elements;
      var submit = document.getElementById("comment-submit");
      if (!f.content.value.trim()) {
        MC.showError(submit, "Write something first.");
        return;
      }
      var payload = { content: f.content.value };
      if (f.parent_id.value) payload.parent_id = Number(f.parent_id.value);
      var done = await MC.act(submit, function () {
        return MC.api("POST", "/api/tasks/" + current.id + "/comments", payload);
      });
      if (done) {
        f.content.value = "";
        replyTo(null);
        loadComments();
      }
    });
  }

  // ---------- @mention autocomplete ----------
  function candidates() {
    var seen = {};
    var list = [];
    people.concat(agents).forEach(function (p) {
      if (!seen[p.name]) {
        seen[p.name] = true;
        list.push(p);
      }
    });
    return list;
  }

  function wireMentions(area) {
    var field = area.closest(".field");
    var menu = h("ul", { class: "mention-menu", role: "listbox", hidden: true, id: area.id + "-mentions" });
    field.appendChild(menu);
    area.setAttribute("aria-autocomplete", "list");
    area.setAttribute("aria-controls", menu.id);
    var matches = [];
    var active = 0;
    var start = -1;

    function close() {
      menu.hidden = true;
      matches = [];
      area.setAttribute("aria-expanded", "false");
    }
    function choose(item) {
      var caret = area.selectionStart;
      var before = area.value.slice(0, start) + "@" + item.name + " ";
      area.value = before + area.value.slice(caret);
      area.selectionStart = area.selectionEnd = before.length;
      close();
      area.focus();
    }
    function show() {
      MC.clear(menu);
      matches.forEach(function (item, i) {
        var li = h("li", { role: "option", id: menu.id + "-" + i, "aria-selected": String(i === active) },
          h("strong", { text: "@" + item.name }), item.label && item.label !== item.name ? h("span", { class: "muted", text: " " + item.label }) : null);
        li.addEventListener("mousedown", function (event) {
          event.preventDefault();
          choose(item);
        });
        menu.appendChild(li);
      });
      menu.hidden = !matches.length;
      area.setAttribute("aria-expanded", String(!!matches.length));
      if (matches.length) area.setAttribute("aria-activedescendant", menu.id + "-" + active);
    }
    area.addEventListener("input", function () {
      var caret = area.selectionStart;
      var text = area.value.slice(0, caret);
      var m = /(^|[^A-Za-z0-9._-])@([A-Za-z0-9._-]{0,63})$/.exec(text);
      if (!m) return close();
      start = caret - m[2].length - 1;
      var q = m[2].toLowerCase();
      matches = candidates().filter(function (p) {
        return p.name.toLowerCase().indexOf(q) === 0 || (p.label || "").toLowerCase().indexOf(q) !== -1;
      }).slice(0, 8);
      active = 0;
      show();
    });
    area.addEventListener("keydown", function (event) {
      if (menu.hidden) return;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        active = (active + (event.key === "ArrowDown" ? 1 : matches.length - 1)) % matches.length;
        show();
      } else if (event.key === "Enter" || event.key === "Tab") {
        event.preventDefault();
        choose(matches[active]);
      } else if (event.key === "Escape") {
        event.preventDefault();
        event.stopPropagation();
        close();
      }
    });
    area.addEventListener("blur", function () { setTimeout(close, 150); });
  }
  document.querySelectorAll("textarea[data-mentions]").forEach(wireMentions);

  async function loadAgents() {
    try {
      var data = await MC.api("GET", "/api/agents?limit=200");
      agents = (data.agents || []).map(function (a) { return { name: a.name, label: a.role + " agent" }; });
    } catch (err) {
      agents = [];
    }
  }

  // ---------- Live ----------
  var pending = null;
  MC.live(function (event) {
    if (!/^task\./.test(event.type) || pending) return;
    MC.pending += 1; // a refresh is on its way: the board is not settled yet
    pending = setTimeout(async function () {
      pending = null;
      try {
        if (!dragging) await load();
      } finally {
        MC.pending -= 1;
      }
    }, 300);
  });

  var initial = new URLSearchParams(location.search);
  ["assigned_to", "priority", "project_id"].forEach(function (name) {
    if (initial.get(name)) filters.elements[name].value = initial.get(name);
  });
  load().then(function () {
    if (initial.get("task")) openDetail(Number(initial.get("task")));
  });
  if (canEdit) loadAgents();
})();
