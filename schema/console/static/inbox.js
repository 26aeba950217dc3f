// The inbox: the viewer's open tasks (myTasks), overdue first, with counts, filters and live updates.

import { features, gql, subscribe } from "./api.js";
import { formatDateTime, h, mount } from "./dom.js";
import { lang, t } from "./i18n.js";

// The kinds come from the server (one per workflow definition): a new workflow needs no change here.
const KINDS_QUERY = "{ workflowDefinitions { kind } }";
const POLL_MS = 3000; // without the taskAssigned subscription
const SAFETY_POLL_MS = 20000; // with it: a task that leaves (someone else took it) still disappears
const filters = { kind: "", state: "", unitCode: "", overdue: false };

function tasksQuery() {
  const overdue = features.taskOverdue ? "overdue" : "";
  const args = features.taskFilter ? "first: 100, filter: $filter" : "first: 100";
  const vars = features.taskFilter ? "($filter: TaskFilter)" : "";
  return `query Inbox${vars} { myTasks(${args}) { totalCount edges { node {
    id step role unitCode dueAt openedAt ${overdue}
    request { id kind state version subject { nip name } }
  } } } }`;
}

function serverFilter() {
  const f = {};
  if (filters.kind) f.kind = filters.kind;
  if (filters.state) f.state = filters.state;
  if (filters.unitCode) f.unitCode = filters.unitCode;
  if (filters.overdue) f.overdue = true;
  return f;
}

function isOverdue(task) {
  if (typeof task.overdue === "boolean") return task.overdue;
  return Boolean(task.dueAt && new Date(task.dueAt) < new Date());
}

function matches(task) {
  // The server filters when it can (TaskFilter); these checks keep the same meaning when it cannot.
  const r = task.request;
  if (filters.kind && r.kind !== filters.kind) return false;
  if (filters.state && r.state !== filters.state) return false;
  if (filters.unitCode && task.unitCode !== filters.unitCode) return false;
  if (filters.overdue && !isOverdue(task)) return false;
  return true;
}

function ordered(tasks) {
  return tasks
    .map((task) => ({ ...task, late: isOverdue(task) }))
    .sort((a, b) => Number(b.late) - Number(a.late) || (a.dueAt || "9").localeCompare(b.dueAt || "9"));
}

function row(task) {
  const r = task.request;
  return h(
    "li",
    { class: task.late ? "task late" : "task", dataset: { request: r.id } },
    h(
      "a",
      { href: `#/request/${r.id}` },
      h("span", { class: "subject" }, r.subject.name),
      h("span", { class: "kind" }, r.kind),
      h("span", { class: "step" }, `${t("step")}: ${task.step}`),
      task.late ? h("span", { class: "badge late" }, t("overdue")) : null,
      task.dueAt ? h("span", { class: "due" }, `${t("due")}: ${formatDateTime(task.dueAt, lang())}`) : null,
    ),
  );
}

async function workflowKinds() {
  try {
    return (await gql(KINDS_QUERY, {})).workflowDefinitions.map((d) => d.kind);
  } catch {
    return filters.kind ? [filters.kind] : [];
  }
}

export async function inboxView(main) {
  const kinds = await workflowKinds();
  const counts = h("p", { id: "inbox-counts", class: "counts", role: "status" }, t("loading"));
  const list = h("ul", { id: "inbox", class: "tasks", "aria-live": "polite" });
  const live = h("p", { id: "live-status", class: "muted" });
  let timer = null;
  let stopped = false;

  async function refresh() {
    const data = await gql(tasksQuery(), features.taskFilter ? { filter: serverFilter() } : {});
    if (stopped) return;
    const tasks = ordered(data.myTasks.edges.map((e) => e.node).filter(matches));
    const late = tasks.filter((x) => x.late).length;
    const total = features.taskFilter ? data.myTasks.totalCount : tasks.length;
    counts.replaceChildren(h("strong", {}, t("tasksCount", total)), " · ", h("span", { class: late ? "late" : "" }, t("overdueCount", late)));
    mount(list, tasks.length ? tasks.map(row) : h("li", { class: "empty" }, t("inboxEmpty")));
  }

  function poll(ms) {
    clearInterval(timer);
    timer = setInterval(() => refresh().catch(() => {}), ms);
  }

  const field = (label, control) => h("label", {}, h("span", {}, label), control);
  const form = h(
    "form",
    {
      class: "filters",
      onsubmit: (e) => {
        e.preventDefault();
        const data = new FormData(e.target);
        filters.kind = data.get("kind") || "";
        filters.state = (data.get("state") || "").trim();
        filters.unitCode = (data.get("unitCode") || "").trim();
        filters.overdue = data.get("overdue") === "on";
        refresh();
      },
    },
    field(t("filterKind"), h("select", { name: "kind" }, h("option", { value: "" }, t("any")), kinds.map((k) => h("option", { value: k, selected: filters.kind === k }, k)))),
    field(t("filterState"), h("input", { name: "state", value: filters.state, autocomplete: "off" })),
    field(t("filterUnit"), h("input", { name: "unitCode", value: filters.unitCode, autocomplete: "off" })),
    h("label", { class: "check" }, h("input", { type: "checkbox", name: "overdue", checked: filters.overdue }), t("filterOverdue")),
    h("button", { type: "submit" }, t("filterApply")),
  );
  mount(main, h("h1", {}, t("inboxTitle")), form, counts, live, list);
  await refresh();

  live.textContent = t("liveOn");
  live.dataset.mode = "subscription";
  poll(SAFETY_POLL_MS);
  const unsubscribe = subscribe(
    "subscription { taskAssigned { id } }",
    {},
    () => refresh().catch(() => {}),
    () => {
      if (stopped) return;
      live.textContent = t("livePolling");
      live.dataset.mode = "polling";
      poll(POLL_MS);
    },
  );
  return () => {
    stopped = true;
    clearInterval(timer);
    unsubscribe();
  };
}
