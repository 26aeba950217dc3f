// Registry pages: the unit tree, a position's holders and vacancies on a chosen date, an employee's card or file.

import { gql, request as post } from "./api.js";
import { formatNip, h, mount } from "./dom.js";
import { t } from "./i18n.js";

function findEmployee() {
  return h(
    "form",
    {
      class: "inline",
      role: "search",
      onsubmit: (e) => {
        e.preventDefault();
        const nip = new FormData(e.target).get("nip").replace(/\s+/g, "");
        if (nip) location.hash = `#/employee/${encodeURIComponent(nip)}`;
      },
    },
    h("label", {}, h("span", {}, t("findEmployee")), h("input", { name: "nip", inputmode: "numeric", autocomplete: "off" })),
    h("button", { type: "submit" }, t("show")),
  );
}

function unitList(units) {
  return h("ul", { class: "units" }, units.map((u) => h("li", {}, h("a", { href: `#/unit/${encodeURIComponent(u.code)}` }, u.name), h("span", { class: "muted" }, ` ${u.code}`))));
}

export async function registryView(main) {
  const data = await gql(`{ units(first: 100) { totalCount edges { node { code name kind } } } }`);
  mount(main, h("h1", {}, t("registryTitle")), findEmployee(), h("h2", {}, t("units")), unitList(data.units.edges.map((e) => e.node)));
}

export async function unitView(main, { params }) {
  const code = decodeURIComponent(params[0]);
  const data = await gql(
    `query Unit($code: String!) {
      unit(code: $code) { code name kind parent { code name } }
      units(parentCode: $code, first: 100) { edges { node { code name kind } } }
      positions(filter: {unitCode: $code}, first: 100) { totalCount edges { node { code title type quota vacancies } } }
    }`,
    { code },
  );
  if (!data.unit) return mount(main, h("p", { role: "alert" }, t("notFound")));
  const u = data.unit;
  mount(
    main,
    h("nav", { class: "crumbs", "aria-label": "breadcrumb" }, h("a", { href: "#/registry" }, t("units")), u.parent ? [" / ", h("a", { href: `#/unit/${encodeURIComponent(u.parent.code)}` }, u.parent.name)] : null),
    h("h1", {}, u.name, " ", h("span", { class: "muted" }, u.code)),
    h("h2", {}, t("subunits")),
    unitList(data.units.edges.map((e) => e.node)),
    h("h2", {}, t("positions")),
    h(
      "table",
      {},
      h("thead", {}, h("tr", {}, h("th", {}, t("position")), h("th", {}, "Type"), h("th", {}, t("quota")), h("th", {}, t("vacancies")))),
      h(
        "tbody",
        {},
        data.positions.edges.map(({ node: p }) =>
          h("tr", {}, h("td", {}, h("a", { href: `#/position/${encodeURIComponent(p.code)}` }, p.title), h("br"), h("span", { class: "muted" }, p.code)), h("td", {}, p.type), h("td", {}, p.quota), h("td", {}, p.vacancies)),
        ),
      ),
    ),
  );
}

export async function positionView(main, { params }) {
  const code = decodeURIComponent(params[0]);
  const asOf = params[1] || "";
  const data = await gql(
    `query Position($code: String!, $asOf: Date) { position(code: $code) {
      code title type quota vacancies minEducation minRank maxRank unit { code name }
      holders(asOf: $asOf) { nip name rank { code } }
    } }`,
    { code, asOf: asOf || null },
  );
  const p = data.position;
  if (!p) return mount(main, h("p", { role: "alert" }, t("notFound")));
  const onDate = asOf ? p.quota - p.holders.length : p.vacancies;
  mount(
    main,
    h("nav", { class: "crumbs", "aria-label": "breadcrumb" }, h("a", { href: `#/unit/${encodeURIComponent(p.unit.code)}` }, p.unit.name)),
    h("h1", {}, p.title, " ", h("span", { class: "muted" }, p.code)),
    h(
      "form",
      {
        class: "inline",
        onsubmit: (e) => {
          e.preventDefault();
          const day = new FormData(e.target).get("asOf");
          location.hash = `#/position/${encodeURIComponent(code)}${day ? `?asOf=${day}` : ""}`;
        },
      },
      h("label", {}, h("span", {}, t("asOf")), h("input", { type: "date", name: "asOf", value: asOf })),
      h("button", { type: "submit" }, t("show")),
    ),
    h("p", { id: "position-summary" }, `${t("quota")}: ${p.quota} · ${t("holders")}: ${p.holders.length} · ${t("vacancies")}: ${Math.max(onDate, 0)}`),
    p.holders.length
      ? h("ul", { id: "holders" }, p.holders.map((e) => h("li", {}, h("a", { href: `#/employee/${e.nip}` }, e.name), ` ${formatNip(e.nip)} ${e.rank ? e.rank.code : ""}`)))
      : h("p", {}, t("noHolders")),
  );
}

export async function employeeView(main, { params }) {
  const nip = decodeURIComponent(params[0]);
  // The file when the read rule allows it; otherwise the server answers the card and refuses the rest.
  const file = await post(
    `query Employee($nip: String!) { employee(nip: $nip) {
      nip name rank { code name } rankSince position { code title } unit { code name }
      birthDate gender employmentType education
      assignments { startDate endDate kind position { code title } }
      evaluations { year predicate }
    } }`,
    { nip },
  );
  let e = file.data && file.data.employee;
  if (!e && file.errors) {
    const card = await gql(`query Card($nip: String!) { employee(nip: $nip) { nip name rank { code name } position { code title } unit { code name } } }`, { nip });
    e = card.employee;
  }
  if (!e) return mount(main, h("p", { role: "alert" }, t("notFound")));
  const row = (label, value) => (value === undefined ? null : [h("dt", {}, label), h("dd", {}, value ?? "—")]);
  mount(
    main,
    h("h1", {}, e.name),
    findEmployee(),
    h(
      "dl",
      { class: "card", id: "employee-card" },
      row(t("nip"), formatNip(e.nip)),
      row(t("rank"), e.rank ? `${e.rank.code} ${e.rank.name}` : null),
      row(t("position"), e.position ? h("a", { href: `#/position/${encodeURIComponent(e.position.code)}` }, e.position.title) : null),
      row(t("unit"), e.unit ? h("a", { href: `#/unit/${encodeURIComponent(e.unit.code)}` }, e.unit.name) : null),
      row(t("birthDate"), e.birthDate),
      row(t("education"), e.education),
      row(t("employmentType"), e.employmentType),
    ),
    e.assignments
      ? [
          h("h2", {}, t("assignments")),
          h("ol", {}, e.assignments.map((a) => h("li", {}, `${a.startDate} – ${a.endDate || ""} `, h("a", { href: `#/position/${encodeURIComponent(a.position.code)}` }, a.position.title), ` (${a.kind})`))),
        ]
      : null,
    e.evaluations && e.evaluations.length ? [h("h2", {}, t("evaluations")), h("ul", {}, e.evaluations.map((v) => h("li", {}, `${v.year}: ${v.predicate}`)))] : null,
  );
}
