// A request: the subject's card, the workflow with the current state, the viewer's actions and the trail.

import { features, gql, request as post, subscribe } from "./api.js";
import { formatDateTime, formatNip, h, mount, randomKey } from "./dom.js";
import { lang, t } from "./i18n.js";

let definitions = null;
const NUMBER_TYPES = new Set(["int", "integer", "number"]);

function requestQuery() {
  const extra = [features.blockedBy ? "blockedBy" : "", features.actionInputs ? "inputs { name type required choices maxLength }" : ""].join(" ");
  return `query Request($id: ID!) { request(id: $id) {
    id kind state version terminal effectiveDate createdAt proposedBy definitionVersion
    subject { nip name rank { code name } position { code title unit { code name } } }
    openTasks { step role unitCode dueAt }
    availableActions { action kind allowed reason ${extra} }
    history { seq at actor action fromState toState comment }
  } }`;
}

const ACT = `mutation Act($input: ActInput!) { act(input: $input) {
  request { id state version } errors { code message field }
} }`;

async function definitionOf(version) {
  if (!definitions) {
    const data = await gql(`{ workflowDefinitions(allVersions: true) { kind version title states terminalStates diagram } }`);
    definitions = data.workflowDefinitions;
  }
  return definitions.find((d) => d.version === version) || null;
}

function card(subject) {
  const row = (label, value) => [h("dt", {}, label), h("dd", {}, value || "—")];
  const pos = subject.position;
  return h(
    "section",
    { class: "card", "aria-labelledby": "card-title" },
    h("h2", { id: "card-title" }, t("card")),
    h(
      "dl",
      {},
      row(t("name"), h("a", { href: `#/employee/${subject.nip}` }, subject.name)),
      row(t("nip"), formatNip(subject.nip)),
      row(t("rank"), subject.rank ? `${subject.rank.code} ${subject.rank.name}` : ""),
      row(t("position"), pos ? pos.title : ""),
      row(t("unit"), pos && pos.unit ? pos.unit.name : ""),
    ),
  );
}

/** The mermaid stateDiagram as a readable list: each state with the steps that leave it; the current one marked. */
function stateList(definition, current) {
  const edges = {};
  for (const line of definition.diagram.split("\n")) {
    const m = line.trim().match(/^(\S+) --> (\S+?)(?::\s*(.*))?$/);
    if (!m || m[1] === "[*]" || m[2] === "[*]") continue;
    (edges[m[1]] ||= []).push({ to: m[2], label: m[3] || "" });
  }
  return h(
    "ol",
    { class: "states" },
    definition.states.map((s) =>
      h(
        "li",
        { class: s === current ? "state current" : "state", "aria-current": s === current ? "step" : null, dataset: { state: s } },
        h("span", { class: "name" }, s),
        s === current ? h("span", { class: "badge" }, t("currentState")) : null,
        edges[s] ? h("ul", { class: "edges" }, edges[s].map((e) => h("li", {}, `→ ${e.to}: ${e.label}`))) : null,
      ),
    ),
  );
}

// Mermaid (vendored, MIT; schema/console/vendor.sh) is 5 MB: loaded from this server on the first request page only.
let mermaidLoading = null;
let renderCount = 0;
const svgCache = new Map();

function loadMermaid() {
  mermaidLoading ||= new Promise((resolve, reject) => {
    const script = h("script", { src: "/console/vendor/mermaid.min.js" });
    script.addEventListener("load", () => {
      // strict: labels are text, never markup or links; no startOnLoad scanning of the page.
      window.mermaid.initialize({ startOnLoad: false, securityLevel: "strict", theme: "neutral", htmlLabels: false });
      resolve(window.mermaid);
    });
    script.addEventListener("error", () => reject(new Error("mermaid did not load")));
    document.head.append(script);
  }).catch((error) => {
    mermaidLoading = null; // a later page may try again
    throw error;
  });
  return mermaidLoading;
}

/** The definition's own mermaid text with the current state styled: the server's diagram, one class added. */
async function diagramSvg(definition, current) {
  const key = `${definition.version}\n${current}`;
  if (!svgCache.has(key)) {
    const mermaid = await loadMermaid();
    const text = definition.states.includes(current)
      ? `${definition.diagram}    classDef current fill:#067647,stroke:#054f31,stroke-width:3px,color:#fff,font-weight:bold\n    class ${current} current\n`
      : definition.diagram;
    renderCount += 1;
    const { svg } = await mermaid.render(`wf-diagram-${renderCount}`, text);
    svgCache.set(key, svg);
  }
  // Parsed as SVG (not HTML), so nothing in it can run; mermaid's strict mode has already sanitised it.
  const doc = new DOMParser().parseFromString(svgCache.get(key), "image/svg+xml");
  if (doc.querySelector("parsererror") || doc.documentElement.localName !== "svg") throw new Error("mermaid gave no SVG");
  return document.importNode(doc.documentElement, true);
}

/** The workflow drawn by mermaid with the current state highlighted; the list stays as its text alternative. */
function diagram(definition, current) {
  if (!definition) return null;
  const figure = h("figure", { class: "diagram-svg", role: "img", "aria-label": `${definition.title}: ${t("currentState")} ${current}` });
  const list = stateList(definition, current);
  const details = h("details", { class: "diagram-text" }, h("summary", {}, t("diagramText")), list);
  diagramSvg(definition, current)
    .then((svg) => {
      svg.removeAttribute("style"); // its max-width; the stylesheet sizes it
      mount(figure, svg);
    })
    .catch(() => {
      figure.remove(); // no drawing: the list alone, open
      details.open = true;
    });
  return h(
    "section",
    { class: "diagram", "aria-labelledby": "diagram-title" },
    h("h2", { id: "diagram-title" }, `${t("diagram")}: ${definition.title}`),
    figure,
    details,
    h("details", {}, h("summary", {}, "mermaid"), h("pre", {}, definition.diagram)),
  );
}

function timeline(events) {
  return h(
    "section",
    { class: "timeline", "aria-labelledby": "timeline-title" },
    h("h2", { id: "timeline-title" }, t("timeline")),
    h(
      "ol",
      { id: "timeline" },
      events.map((e) =>
        h(
          "li",
          {},
          h("time", { datetime: e.at }, formatDateTime(e.at, lang())),
          " ",
          h("strong", {}, e.action),
          e.fromState || e.toState ? ` ${e.fromState || "·"} → ${e.toState || "·"}` : "",
          ` — ${e.actor}`,
          e.comment ? h("blockquote", {}, e.comment) : null,
        ),
      ),
    ),
  );
}

/** Client-side checks that say the same as the server would, before a round trip; the server still decides. */
function validate(option, values) {
  const problems = [];
  if ((option.kind === "RETURN" || option.kind === "REJECT") && !values.comment.trim()) problems.push(["comment", t("commentRequired")]);
  for (const input of option.inputs || []) {
    const value = (values.data[input.name] ?? "").toString().trim();
    if (!value) {
      if (input.required) problems.push([input.name, t("fieldRequired", input.name)]);
      continue;
    }
    if (input.maxLength && value.length > input.maxLength) problems.push([input.name, t("fieldTooLong", input.name, input.maxLength)]);
    if (input.choices && input.choices.length && !input.choices.includes(value)) problems.push([input.name, t("fieldChoice", input.name)]);
    if (NUMBER_TYPES.has(input.type) && !/^-?\d+(\.\d+)?$/.test(value)) problems.push([input.name, t("fieldNumber", input.name)]);
    if (input.type === "date" && !/^\d{4}-\d{2}-\d{2}$/.test(value)) problems.push([input.name, t("fieldDate", input.name)]);
  }
  return problems;
}

function inputControl(input, id) {
  const attrs = { id, name: input.name, required: input.required, "aria-describedby": `${id}-error` };
  if (input.choices && input.choices.length) {
    return h("select", attrs, h("option", { value: "" }, "—"), input.choices.map((c) => h("option", { value: c }, c)));
  }
  const type = input.type === "date" ? "date" : NUMBER_TYPES.has(input.type) ? "number" : "text";
  return h("input", { ...attrs, type, maxlength: input.maxLength || null, autocomplete: "off" });
}

function coerce(input, raw) {
  const value = raw.trim();
  if (!value) return undefined;
  if (input.type === "int" || input.type === "integer") return Number.parseInt(value, 10);
  if (input.type === "number") return Number(value);
  if (input.type === "bool" || input.type === "boolean") return value === "true";
  return value;
}

function actionForm(req, option, outcome, reload) {
  const key = randomKey(); // one per form: a double submit or a retry replays, never acts twice
  const formId = `act-${option.action}`;
  const errorOf = (name) => h("p", { class: "field-error", id: `${formId}-${name}-error`, role: "alert" });
  const inputs = option.inputs || [];
  const errors = { comment: errorOf("comment") };
  const fields = inputs.map((input) => {
    errors[input.name] = errorOf(input.name);
    return h(
      "div",
      { class: "field" },
      h("label", { for: `${formId}-${input.name}` }, input.name, input.required ? " *" : ""),
      inputControl(input, `${formId}-${input.name}`),
      errors[input.name],
    );
  });
  const needsComment = option.kind === "RETURN" || option.kind === "REJECT";
  return h(
    "form",
    {
      class: "act",
      id: formId,
      novalidate: true,
      onsubmit: async (e) => {
        e.preventDefault();
        const form = e.target;
        const values = { comment: form.elements.comment.value, data: {} };
        for (const input of inputs) values.data[input.name] = form.elements[input.name].value;
        Object.values(errors).forEach((el) => (el.textContent = ""));
        const problems = validate(option, values);
        if (problems.length) {
          for (const [name, message] of problems) (errors[name] || errors.comment).textContent = message;
          form.querySelector("[aria-invalid], input, select, textarea")?.focus();
          return;
        }
        const data = {};
        for (const input of inputs) {
          const v = coerce(input, values.data[input.name]);
          if (v !== undefined) data[input.name] = v;
        }
        const payload = {
          requestId: req.id,
          action: option.action,
          comment: values.comment.trim() || null,
          expectedVersion: req.version,
          idempotencyKey: key,
          data: inputs.length ? data : null,
        };
        form.querySelector("button[type=submit]").disabled = true;
        const body = await post(ACT, { input: payload });
        form.querySelector("button[type=submit]").disabled = false;
        const result = body.data && body.data.act;
        if (!result) {
          mount(outcome, h("p", { class: "error", role: "alert" }, (body.errors || []).map((x) => x.message).join("; ")));
          return;
        }
        if (result.errors.length) {
          const conflict = result.errors.some((x) => x.code === "CONFLICT");
          const latest = conflict ? await lastStep(req.id) : null;
          mount(
            outcome,
            h(
              "div",
              { class: conflict ? "error conflict" : "error refusal", role: "alert" },
              h("strong", {}, conflict ? t("conflict") : `${t("refused")}:`),
              latest ? h("p", { class: "latest" }, t("conflictBy", latest.actor, latest.action, formatDateTime(latest.at, lang()))) : null,
              conflict ? null : h("ul", {}, result.errors.map((x) => h("li", { dataset: { code: x.code } }, `${x.code}: ${x.message}${x.field ? ` (${x.field})` : ""}`))),
              conflict ? h("button", { type: "button", onclick: () => reload(null) }, t("reload")) : null,
            ),
          );
          for (const x of result.errors) if (x.field && errors[x.field.split(".").pop()]) errors[x.field.split(".").pop()].textContent = x.message;
          return;
        }
        await reload(t("done", option.action, result.request.state));
      },
    },
    fields,
    h(
      "div",
      { class: "field" },
      h("label", { for: `${formId}-comment` }, t("comment"), needsComment ? " *" : ""),
      h("textarea", { id: `${formId}-comment`, name: "comment", rows: 2, maxlength: 2000, "aria-describedby": `${formId}-comment-error` }),
      errors.comment,
    ),
    h("button", { type: "submit", class: option.kind === "FORWARD" ? "primary" : "" }, option.action),
  );
}

/** Who moved the request on while the page was open: its newest trail entry. */
async function lastStep(id) {
  const body = await post(`query Last($id: ID!) { request(id: $id) { history { actor action at } } }`, { id });
  const trail = body.data && body.data.request ? body.data.request.history : [];
  return trail.length ? trail[trail.length - 1] : null;
}

function actions(req, outcome, reload) {
  const options = req.availableActions;
  return h(
    "section",
    { class: "actions", "aria-labelledby": "actions-title" },
    h("h2", { id: "actions-title" }, t("actions")),
    options.length === 0 ? h("p", {}, t("noActions")) : null,
    options.map((option) =>
      h(
        "article",
        { class: option.allowed ? "action" : "action blocked", dataset: { action: option.action } },
        option.allowed
          ? h("details", {}, h("summary", {}, h("strong", {}, option.action), ` (${option.kind})`), actionForm(req, option, outcome, reload))
          : h(
              "div",
              {},
              h("strong", {}, option.action),
              ` — ${t("notAllowed")}`,
              option.reason ? h("p", { class: "reason" }, option.reason) : null,
              option.blockedBy && option.blockedBy.length ? h("p", { class: "reason" }, `${t("blockedBy")}: ${option.blockedBy.join(", ")}`) : null,
            ),
      ),
    ),
    outcome,
  );
}

export async function requestView(main, { params }) {
  const [id] = params;
  const outcome = h("div", { id: "outcome", "aria-live": "assertive" });
  let stopped = false;

  async function draw(message) {
    const data = await gql(requestQuery(), { id });
    if (stopped) return;
    const req = data.request;
    if (!req) {
      mount(main, h("h1", {}, t("requestTitle", id)), h("p", { role: "alert" }, t("notFound")));
      return;
    }
    const definition = await definitionOf(req.definitionVersion);
    // A live redraw (no message) keeps what the last act said; an act or a reload replaces it.
    if (message !== undefined) mount(outcome, message ? h("p", { class: "ok", role: "status" }, message) : null);
    mount(
      main,
      h("h1", {}, t("requestTitle", req.id), " ", h("span", { class: "kind" }, req.kind)),
      h(
        "p",
        { class: "summary" },
        `${t("state")}: `,
        h("strong", { id: "request-state" }, req.state),
        ` · ${t("version")} ${req.version} · ${t("effectiveDate")}: ${req.effectiveDate || "—"} · ${t("proposedBy")}: ${req.proposedBy}`,
      ),
      h("div", { class: "grid" }, card(req.subject), actions(req, outcome, draw)),
      diagram(definition, req.state),
      timeline(req.history),
    );
  }
  await draw();
  const unsubscribe = subscribe(
    "subscription($id: ID!) { requestChanged(id: $id) { id version } }",
    { id },
    () => {
      if (!main.querySelector("form.act textarea:focus, form.act input:focus")) draw().catch(() => {});
    },
    () => {},
  );
  return () => {
    stopped = true;
    unsubscribe();
  };
}
