// The public statistics page: a unit's figures for a year, for anyone, signed in or not (publicStatistics).
// A figure hidden because it counts fewer than 5 people shows as a dash with a note; the CSV is the same data.

import { gql } from "./api.js";
import { h, mount } from "./dom.js";
import { lang } from "./i18n.js";

const TEXT = {
  id: {
    title: "Statistik publik",
    intro: "Angka setiap unit untuk umum: tidak ada nama atau NIP; jumlah di bawah 5 orang disembunyikan (—).",
    unit: "Kode unit",
    year: "Tahun",
    show: "Tampilkan",
    csv: "Unduh CSV",
    notFound: "Tidak ada unit dengan kode itu.",
    hidden: "— disembunyikan: kurang dari 5 orang",
    rows: {
      positions: "Jabatan",
      quota: "Formasi",
      filled: "Terisi (orang)",
      vacancies: "Lowong",
      trainingHoursMean: "Rata-rata jam pelatihan (JP)",
      requestsDecided: "Usulan diputus",
      medianDaysToDecision: "Median hari sampai keputusan",
    },
    evaluations: "Predikat kinerja",
  },
  en: {
    title: "Public statistics",
    intro: "Each unit's figures for everyone: no name or NIP; counts under 5 people are hidden (—).",
    unit: "Unit code",
    year: "Year",
    show: "Show",
    csv: "Download CSV",
    notFound: "No unit has that code.",
    hidden: "— hidden: fewer than 5 people",
    rows: {
      positions: "Positions",
      quota: "Quota (formasi)",
      filled: "Filled (people)",
      vacancies: "Vacancies",
      trainingHoursMean: "Mean training hours (JP)",
      requestsDecided: "Requests decided",
      medianDaysToDecision: "Median days to a decision",
    },
    evaluations: "Performance predicates",
  },
};

const QUERY = `query Public($unitCode: String!, $year: Int) { publicStatistics(unitCode: $unitCode, year: $year) {
  unitCode year positions quota filled vacancies evaluations { predicate count }
  trainingHoursMean requestsDecided medianDaysToDecision } }`;

function tx() {
  return TEXT[lang()] || TEXT.id;
}

function cell(value) {
  return value === null || value === undefined ? h("td", { class: "suppressed", title: tx().hidden }, "—") : h("td", {}, String(value));
}

function figures(s) {
  const T = tx();
  const row = (key) => h("tr", { "data-field": key }, h("th", { scope: "row" }, T.rows[key]), cell(s[key]));
  const csv = `/public/statistics.csv?unit=${encodeURIComponent(s.unitCode)}&year=${s.year}`;
  return [
    h("h2", { id: "public-unit" }, `${s.unitCode} · ${s.year}`),
    h("table", { id: "public-figures" }, h("tbody", {}, ["positions", "quota", "filled", "vacancies"].map(row))),
    h("h3", {}, T.evaluations),
    h(
      "table",
      { id: "public-evaluations" },
      h("tbody", {}, s.evaluations.map((e) => h("tr", { "data-predicate": e.predicate }, h("th", { scope: "row" }, e.predicate), cell(e.count)))),
    ),
    h("table", { id: "public-service" }, h("tbody", {}, ["trainingHoursMean", "requestsDecided", "medianDaysToDecision"].map(row))),
    h("p", { class: "muted" }, T.hidden),
    h("p", {}, h("a", { id: "public-csv", href: csv, download: "" }, T.csv)),
  ];
}

export async function publicView(main, { params }) {
  const T = tx();
  const query = new URLSearchParams(params[0] || "");
  const unitCode = query.get("unit") || "";
  const year = query.get("year") || "";
  const result = h("section", { id: "public-result", "aria-live": "polite" });
  const form = h(
    "form",
    {
      id: "public-form",
      class: "inline",
      onsubmit: (e) => {
        e.preventDefault();
        const data = new FormData(e.target);
        const next = new URLSearchParams({ unit: data.get("unit").trim() });
        if (data.get("year")) next.set("year", data.get("year"));
        location.hash = `#/public?${next}`;
      },
    },
    h("label", {}, h("span", {}, T.unit), h("input", { id: "public-unit-code", name: "unit", value: unitCode, required: true, autocomplete: "off" })),
    h("label", {}, h("span", {}, T.year), h("input", { id: "public-year", name: "year", value: year, inputmode: "numeric", size: 4 })),
    h("button", { type: "submit" }, T.show),
  );
  mount(main, h("h1", {}, T.title), h("p", {}, T.intro), form, result);
  if (!unitCode) return;
  const data = await gql(QUERY, { unitCode, year: year ? Number(year) : null });
  if (!data.publicStatistics) mount(result, h("p", { role: "alert" }, T.notFound));
  else mount(result, figures(data.publicStatistics));
}

export function publicLink() {
  return h("a", { href: "#/public", id: "public-link" }, tx().title);
}
