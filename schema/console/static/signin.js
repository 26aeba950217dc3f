// Signing in: a persona in the demo, the agency's OpenID Connect provider (authorization code + PKCE) otherwise.

import { session } from "./api.js";
import { h, mount, randomKey } from "./dom.js";
import { t } from "./i18n.js";

const PKCE_KEY = "asnflow.pkce";

async function config() {
  const response = await fetch("/console/config.json");
  return response.json();
}

function base64url(bytes) {
  return btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

async function startOidc(oidc) {
  const verifier = randomKey() + randomKey();
  const stateValue = randomKey();
  const challenge = base64url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  const redirectUri = `${location.origin}/`;
  sessionStorage.setItem(PKCE_KEY, JSON.stringify({ verifier, state: stateValue, redirectUri, tokenUrl: oidc.tokenUrl, clientId: oidc.clientId }));
  const url = new URL(oidc.authorizeUrl);
  url.search = new URLSearchParams({
    response_type: "code",
    client_id: oidc.clientId,
    redirect_uri: redirectUri,
    scope: oidc.scope,
    state: stateValue,
    code_challenge: challenge,
    code_challenge_method: "S256",
    nonce: randomKey(),
  }).toString();
  location.assign(url.toString());
}

/** Back from the provider with ?code=&state=: exchange the code (with the PKCE verifier) for the token. */
export async function finishOidcSignIn() {
  const params = new URLSearchParams(location.search);
  const code = params.get("code");
  const saved = JSON.parse(sessionStorage.getItem(PKCE_KEY) || "null");
  if (!code && !params.get("error")) return;
  history.replaceState(null, "", location.pathname + location.hash);
  sessionStorage.removeItem(PKCE_KEY);
  if (!code || !saved || params.get("state") !== saved.state) return;
  try {
    const response = await fetch(saved.tokenUrl, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "authorization_code",
        code,
        redirect_uri: saved.redirectUri,
        client_id: saved.clientId,
        code_verifier: saved.verifier,
      }).toString(),
    });
    const body = await response.json();
    session.token = body.id_token || body.access_token || null;
  } catch (error) {
    console.warn("asnflow: the identity provider did not give a token", error);
    session.token = null;
  }
}

export async function signInView(main, { onSignedIn }) {
  mount(main, h("h1", {}, t("signInTitle")), h("p", {}, t("loading")));
  const settings = await config();
  const parts = [h("h1", {}, t("signInTitle"))];
  const status = h("p", { id: "sign-in-status", role: "status" });
  if (settings.oidc) {
    parts.push(h("button", { type: "button", id: "oidc-sign-in", class: "primary", onclick: () => startOidc(settings.oidc) }, t("signInOidc")));
  }
  if (settings.demo) {
    const people = await (await fetch("/demo/personas")).json();
    parts.push(
      h("p", {}, t("signInDemo")),
      h(
        "ul",
        { class: "personas" },
        people.map((p) =>
          h(
            "li",
            {},
            h(
              "button",
              {
                type: "button",
                class: "persona",
                dataset: { user: p.userId },
                onclick: async () => {
                  status.textContent = t("signingIn");
                  const response = await fetch("/demo/token", {
                    method: "POST",
                    headers: { "Content-Type": "application/json" },
                    body: JSON.stringify({ userId: p.userId }),
                  });
                  const body = await response.json();
                  if (!body.token) {
                    status.textContent = `${t("signInFailed")}: ${body.error}`;
                    return;
                  }
                  session.token = body.token;
                  await onSignedIn();
                },
              },
              h("strong", {}, p.name),
              h("span", { class: "muted" }, ` ${p.userId}`),
              h("span", { class: "roles" }, p.roles.map((r) => (r.unitCode ? `${r.role}@${r.unitCode}` : r.role)).join(", ")),
            ),
          ),
        ),
      ),
    );
  }
  if (!settings.oidc && !settings.demo) parts.push(h("p", {}, t("signInNone")));
  parts.push(status);
  mount(main, ...parts);
}
