// The auditor's pages: search the log, read a request's trail, verify the hash chain, download the export.

import { gql, session } from "./api.js";
import { formatDateTime, h, mount } from "./dom.js";
import { lang, t } from "./i18n.js";

const EVENTS = `query Events($filter: AuditFilter, $after: String, $oldestFirst: Boolean!) {
  auditEvents(filter: $filter, first: 50, after: $after, oldestFirst: $oldestFirst) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { seq at actor action entityType entityId requestId fromState toState comment } }
  }
}`;

async function download(format, status) {
  const response = await fetch(`/audit/export?format=${format}`, { headers: { Authorization: `Bearer ${session.token}` } });
  if (!response.ok) {
    status.textContent = (await response.json()).error;
    return;
  }
  const url = URL.createObjectURL(await response.blob());
  const a = h("a", { href: url, download: `asnflow-audit.${format}` });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

function eventRow(e) {
  return h(
    "tr",
    {},
    h("td", {}, e.seq),
    h("td", {}, h("time", { datetime: e.at }, formatDateTime(e.at, lang()))),
    h("td", {}, e.actor),
    h("td", {}, e.action),
    h("td", {}, e.requestId ? h("a", { href: `#/audit?requestId=${e.requestId}` }, `#${e.requestId}`) : `${e.entityType} ${e.entityId}`),
    h("td", {}, e.fromState || e.toState ? `${e.fromState || "·"} → ${e.toState || "·"}` : ""),
    h("td", {}, e.comment || ""),
  );
}

export async function auditView(main, { params }) {
  const query = new URLSearchParams(params[0] || "");
  const filter = {};
  for (const name of ["requestId", "actor", "action", "entityType"]) if (query.get(name)) filter[name] = query.get(name);
  for (const name of ["from", "to"]) if (query.get(name)) filter[name] = new Date(query.get(name)).toISOString();
  const trail = Boolean(filter.requestId);

  const chain = h("p", { id: "chain-status", role: "status" });
  const exportStatus = h("p", { role: "status" });
  const tbody = h("tbody", { id: "events" });
  const more = h("div");
  const count = h("p", { class: "counts" });

  async function load(after) {
    const data = await gql(EVENTS, { filter, after: after || null, oldestFirst: trail });
    const c = data.auditEvents;
    count.textContent = t("eventsCount", c.totalCount);
    if (!after) tbody.replaceChildren();
    if (!c.edges.length && !after) tbody.append(h("tr", {}, h("td", { colspan: 7 }, t("noEvents"))));
    tbody.append(...c.edges.map((e) => eventRow(e.node)));
    mount(more, c.pageInfo.hasNextPage ? h("button", { type: "button", onclick: () => load(c.pageInfo.endCursor) }, t("more")) : null);
  }

  const input = (name, label, type = "text") =>
    h("label", {}, h("span", {}, label), h("input", { name, type, value: query.get(name) || "", autocomplete: "off" }));
  const form = h(
    "form",
    {
      class: "filters",
      role: "search",
      onsubmit: (e) => {
        e.preventDefault();
        const data = new URLSearchParams();
        for (const [k, v] of new FormData(e.target)) if (String(v).trim()) data.set(k, String(v).trim());
        location.hash = `#/audit?${data}`;
      },
    },
    input("requestId", t("requestId")),
    input("actor", t("actor")),
    input("action", t("action")),
    input("entityType", t("entityType")),
    input("from", t("from"), "date"),
    input("to", t("to"), "date"),
    h("button", { type: "submit" }, t("search")),
  );

  mount(
    main,
    h("h1", {}, trail ? `${t("trail")} #${filter.requestId}` : t("auditTitle")),
    trail ? h("p", {}, h("a", { href: `#/request/${filter.requestId}` }, t("openRequest"))) : null,
    h(
      "section",
      { class: "chain", "aria-labelledby": "chain-title" },
      h("h2", { id: "chain-title" }, t("chain")),
      h(
        "button",
        {
          type: "button",
          id: "verify-chain",
          onclick: async () => {
            chain.textContent = t("loading");
            const v = (await gql(`{ auditVerification { ok checkedEvents firstBrokenSeq headHash explanation } }`)).auditVerification;
            chain.className = v.ok ? "ok" : "error";
            mount(chain, v.ok ? t("chainOk", v.checkedEvents) : t("chainBroken", v.firstBrokenSeq), h("br"), h("small", {}, v.explanation));
          },
        },
        t("verify"),
      ),
      chain,
      h("button", { type: "button", id: "export-csv", onclick: () => download("csv", exportStatus) }, t("exportCsv")),
      " ",
      h("button", { type: "button", id: "export-jsonl", onclick: () => download("jsonl", exportStatus) }, t("exportJsonl")),
      exportStatus,
    ),
    form,
    count,
    h(
      "div",
      { class: "scroll" },
      h(
        "table",
        {},
        h("thead", {}, h("tr", {}, ["#", t("at"), t("actor"), t("action"), t("request"), t("state"), t("comment")].map((x) => h("th", { scope: "col" }, x)))),
        tbody,
      ),
    ),
    more,
  );
  await load();
}
