// The console's shell: header, navigation, language switch and the hash router.

import { detectFeatures, gql, session } from "./api.js";
import { h, mount } from "./dom.js";
import { lang, setLang, t } from "./i18n.js";
import { finishOidcSignIn, signInView } from "./signin.js";
import { inboxView } from "./inbox.js";
import { requestView } from "./request.js";
import { employeeView, positionView, registryView, unitView } from "./registry.js";
import { auditView } from "./audit.js";
import { proposeView } from "./propose.js";
import { publicLink, publicView } from "./public.js";

const VIEWER = `{ viewer { userId name roles { role unitCode } } }`;

const ROUTES = [
  [/^#\/inbox$/, inboxView],
  [/^#\/request\/([^/?]+)$/, requestView],
  [/^#\/propose$/, proposeView],
  [/^#\/registry$/, registryView],
  [/^#\/unit\/([^/?]+)$/, unitView],
  [/^#\/position\/([^/?]+)(?:\?asOf=([0-9-]*))?$/, positionView],
  [/^#\/employee\/([^/?]+)$/, employeeView],
  [/^#\/audit(?:\?(.*))?$/, auditView],
];

// Pages anyone may open, signed in or not.
const PUBLIC_ROUTES = [[/^#\/public(?:\?(.*))?$/, publicView]];

const state = { viewer: null, cleanup: null };

function header() {
  const signedIn = Boolean(session.token && state.viewer);
  const current = location.hash.split("/")[1] || "";
  const nav = (hash, key) =>
    h("a", { href: hash, "aria-current": current === hash.slice(2) ? "page" : null }, t(key));
  const roles = state.viewer ? state.viewer.roles.map((r) => r.role) : [];
  const auditor = roles.includes("auditor") || roles.includes("admin");
  return h(
    "header",
    { class: "top" },
    h("a", { class: "skip", href: "#main" }, t("skip")),
    h("a", { class: "brand", href: signedIn ? "#/inbox" : "#/" }, t("appName")),
    signedIn
      ? h(
          "nav",
          { "aria-label": "main" },
          nav("#/inbox", "navInbox"),
          nav("#/propose", "navPropose"),
          nav("#/registry", "navRegistry"),
          auditor ? nav("#/audit", "navAudit") : null,
          publicLink(),
        )
      : h("nav", { "aria-label": "public" }, publicLink()),
    h(
      "div",
      { class: "tools" },
      h(
        "label",
        { class: "lang" },
        h("span", { class: "sr-only" }, t("language")),
        h(
          "select",
          {
            id: "lang",
            onchange: (e) => {
              setLang(e.target.value);
              render();
            },
          },
          h("option", { value: "id", selected: lang() === "id" }, "Bahasa Indonesia"),
          h("option", { value: "en", selected: lang() === "en" }, "English"),
        ),
      ),
      signedIn
        ? h(
            "span",
            { class: "who" },
            `${t("signedInAs")} `,
            h("strong", { id: "viewer-name" }, state.viewer.name || state.viewer.userId),
            " ",
            h("button", { type: "button", id: "sign-out", onclick: signOut }, t("signOut")),
          )
        : null,
    ),
  );
}

function signOut() {
  session.token = null;
  state.viewer = null;
  location.hash = "#/";
  render();
}

async function loadViewer() {
  if (!session.token) return null;
  const body = await gql(VIEWER).catch(() => null);
  if (!body || !body.viewer.userId) {
    session.token = null;
    return null;
  }
  await detectFeatures();
  return body.viewer;
}

export async function signedIn() {
  state.viewer = await loadViewer();
  location.hash = "#/inbox";
  await render();
}

async function render() {
  document.documentElement.lang = lang();
  document.title = t("appName");
  if (state.cleanup) {
    state.cleanup();
    state.cleanup = null;
  }
  const main = h("main", { id: "main", tabindex: "-1" });
  mount(document.getElementById("app"), header(), main);
  if (await route(main, PUBLIC_ROUTES)) return;
  if (!state.viewer) {
    await signInView(main, { onSignedIn: signedIn });
    return;
  }
  if (await route(main, ROUTES)) return;
  location.hash = "#/inbox";
}

/** Render the first of ``routes`` matching the location's hash; false when none does. */
async function route(main, routes) {
  const hash = location.hash || "#/inbox";
  for (const [pattern, view] of routes) {
    const match = hash.match(pattern);
    if (match) {
      try {
        state.cleanup = (await view(main, { viewer: state.viewer, params: match.slice(1) })) || null;
      } catch (error) {
        mount(main, h("p", { class: "error", role: "alert" }, `${t("error")}: ${error.message}`));
      }
      return true;
    }
  }
  return false;
}

window.addEventListener("hashchange", () => render());
window.addEventListener("asnflow:signed-out", () => {
  session.token = null;
  state.viewer = null;
  render();
});

async function start() {
  await finishOidcSignIn();
  state.viewer = await loadViewer();
  await render();
}

start();
