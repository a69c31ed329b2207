// Signing in. In AWS: Cognito's Hosted UI (authorization code with PKCE; the ID token is the bearer
// token the HTTP API's JWT authorizer checks). Locally: a name, and the local gateway's stand-in for
// the user pool (`/local/token`), which signs buyers and door staff, never organisers (an organiser
// pastes a token made with the project's own tooling).
import { config, session } from "./api.js";
import { h } from "./format.js";

const cognito = config.signIn === "cognito";

function b64url(bytes) {
  return btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/// Sends the browser to the Hosted UI, to come back to `/signin` and then to `back`.
async function toHostedUi(back) {
  const verifier = b64url(crypto.getRandomValues(new Uint8Array(32)));
  const state = b64url(crypto.getRandomValues(new Uint8Array(16)));
  sessionStorage.setItem("pkce", JSON.stringify({ verifier, state, back }));
  const challenge = b64url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  const q = new URLSearchParams({ response_type: "code", client_id: config.clientId, redirect_uri: `${location.origin}/signin`,
    scope: "openid email", state, code_challenge: challenge, code_challenge_method: "S256" });
  location.assign(`https://${config.cognitoDomain}/oauth2/authorize?${q}`);
}

/// The Hosted UI's return: the code for tokens. Returns where the buyer was going.
async function fromHostedUi(params) {
  const saved = JSON.parse(sessionStorage.getItem("pkce") || "{}");
  sessionStorage.removeItem("pkce");
  if (!params.get("code") || params.get("state") !== saved.state) throw new Error("The sign-in did not come back as it should. Try again.");
  const res = await fetch(`https://${config.cognitoDomain}/oauth2/token`, { method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "authorization_code", client_id: config.clientId, code: params.get("code"),
      redirect_uri: `${location.origin}/signin`, code_verifier: saved.verifier }) });
  if (!res.ok) throw new Error("The sign-in could not be completed. Try again.");
  session.token = (await res.json()).id_token;
  return saved.back || "/";
}

/// The sign-in view (`/signin?back=...`).
export async function signInView(main, params, go) {
  // Only a path of this shop (never another site: "//host" or "https:").
  const asked = params.get("back") || "/";
  const back = asked.startsWith("/") && !asked.startsWith("//") ? asked : "/";
  if (cognito) {
    if (params.get("code")) { go(await fromHostedUi(params), true); return; }
    await toHostedUi(back);
    return;
  }
  const staff = params.get("role") === "staff";
  const err = h("p", { class: "error", role: "alert" });
  const name = h("input", { id: "user", name: "user", autocomplete: "username", required: true, maxlength: "64", pattern: "[A-Za-z0-9._\\-]{1,64}" });
  const pasted = h("input", { id: "paste", type: "password", autocomplete: "off" });
  const form = h("form", { class: "panel", onsubmit: async (e) => {
    e.preventDefault();
    err.textContent = "";
    try {
      if (pasted.value.trim()) session.token = pasted.value.trim();
      else {
        const r = await fetch(`/local/token?user=${encodeURIComponent(name.value.trim())}${staff ? "&role=staff" : ""}`);
        if (!r.ok) throw new Error("Use letters, digits, '.', '_' or '-' for your name.");
        session.token = (await r.json()).token;
      }
      go(back, true);
    } catch (e2) { err.textContent = e2.message; }
  } },
  h("h1", {}, staff ? "Sign in as door staff" : "Sign in"),
  h("p", { class: "muted" }, "This is the local shop: any name signs you in."),
  h("div", { class: "field" }, h("label", { for: "user" }, "Your name"), name),
  h("details", {}, h("summary", {}, "Organisers"),
    h("div", { class: "field" }, h("label", { for: "paste" }, "Organiser's token"), pasted)),
  err,
  h("button", { class: "primary" }, "Sign in"));
  main.replaceChildren(form);
  name.focus();
}

/// Signs out (and, in AWS, out of the Hosted UI too).
export function signOut() {
  session.token = null;
  if (cognito) {
    location.assign(`https://${config.cognitoDomain}/logout?${new URLSearchParams({ client_id: config.clientId, logout_uri: `${location.origin}/` })}`);
    return true;
  }
  return false;
}
