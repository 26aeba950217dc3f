// Proposing a transfer (mutasi): the unit head's form; the request opens on success.

import { request as post } from "./api.js";
import { h, mount, randomKey } from "./dom.js";
import { t } from "./i18n.js";

const PROPOSE = `mutation Propose($input: ProposeTransferInput!) { proposeTransfer(input: $input) {
  request { id state } errors { code message field }
} }`;

export async function proposeView(main) {
  const key = randomKey();
  const outcome = h("div", { id: "outcome", "aria-live": "assertive" });
  const field = (name, label, attrs = {}) =>
    h("div", { class: "field" }, h("label", { for: `p-${name}` }, label, attrs.required ? " *" : ""), h(attrs.tag || "input", { id: `p-${name}`, name, autocomplete: "off", ...attrs, tag: null }));
  const form = h(
    "form",
    {
      id: "propose",
      onsubmit: async (e) => {
        e.preventDefault();
        const data = new FormData(e.target);
        const input = {
          employeeNip: String(data.get("employeeNip")).replace(/\s+/g, ""),
          targetPositionCode: String(data.get("targetPositionCode")).trim(),
          effectiveDate: String(data.get("effectiveDate")),
          reason: String(data.get("reason")).trim() || null,
          idempotencyKey: key,
        };
        const body = await post(PROPOSE, { input });
        const result = body.data && body.data.proposeTransfer;
        if (!result) return mount(outcome, h("p", { class: "error", role: "alert" }, (body.errors || []).map((x) => x.message).join("; ")));
        if (result.errors.length) {
          return mount(outcome, h("div", { class: "error refusal", role: "alert" }, h("strong", {}, `${t("refused")}:`), h("ul", {}, result.errors.map((x) => h("li", {}, `${x.code}: ${x.message}`)))));
        }
        location.hash = `#/request/${result.request.id}`;
      },
    },
    field("employeeNip", t("employeeNip"), { required: true, inputmode: "numeric" }),
    field("targetPositionCode", t("targetPosition"), { required: true }),
    field("effectiveDate", t("effectiveDate"), { required: true, type: "date" }),
    field("reason", t("reason"), { tag: "textarea", rows: 2 }),
    h("button", { type: "submit", class: "primary" }, t("submit")),
  );
  mount(main, h("h1", {}, t("proposeTitle")), form, outcome);
}
