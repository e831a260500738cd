// The playground page: editors in, verdict out, state in the URL fragment.
import * as palisade from "./palisade.js";

const $ = (id) => document.getElementById(id);
const el = (tag, attrs = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
};

let catalogue;
// Settings typed per target, so that switching back keeps an edit.
const edited = new Map();

function targetOf(value) {
  const [kind, name] = value.split(":");
  return { kind, name };
}

function defaultSettings(value) {
  const { kind, name } = targetOf(value);
  if (kind === "profile") return catalogue.profiles.find((p) => p.name === name)?.yaml ?? "";
  return catalogue.rules.find((r) => r.name === name)?.defaults ?? "{}\n";
}

function currentTarget() {
  const { kind, name } = targetOf($("target").value);
  const settings = $("settings").value;
  return kind === "rule" ? { rule: name, settings } : { settings };
}

function fillPickers() {
  const examples = $("example");
  catalogue.examples.forEach((example, i) => examples.append(el("option", { value: i }, example.name)));
  examples.append(el("option", { value: "" }, "(your own)"));
  const target = $("target");
  const profiles = el("optgroup", { label: "Profiles" });
  const order = ["pss-baseline", "pss-restricted", "azure-baseline", "azure-restricted", "aks-deployment-safeguards", "aks-psp-restricted"];
  const sorted = [...catalogue.profiles].sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
  for (const profile of sorted) {
    profiles.append(el("option", { value: `profile:${profile.name}` }, `${profile.name}: ${profile.title ?? ""}`));
  }
  const rules = el("optgroup", { label: "Rules" });
  for (const rule of catalogue.rules) rules.append(el("option", { value: `rule:${rule.name}` }, rule.name));
  target.append(profiles, rules);
}

function showTargetHelp() {
  const { kind, name } = targetOf($("target").value);
  const body = $("settings-help").querySelector("tbody");
  body.replaceChildren();
  if (kind === "profile") {
    const profile = catalogue.profiles.find((p) => p.name === name);
    $("target-summary").textContent = profile?.description ?? "";
    $("settings-label").textContent = "Profile (its rules and their settings; edit freely)";
    $("settings-help").hidden = true;
    return;
  }
  const rule = catalogue.rules.find((r) => r.name === name);
  $("target-summary").textContent = rule?.summary.replace(/`/g, "") ?? "";
  $("settings-label").textContent = `Settings of ${name} (prefilled with its documented defaults)`;
  $("settings-help").hidden = false;
  for (const row of rule?.settings ?? []) {
    body.append(el("tr", {}, el("td", {}, el("code", {}, row.name)), el("td", {}, row.default_text.replace(/`/g, "")),
      el("td", {}, row.meaning.replace(/`/g, ""))));
  }
}

/** Selects a line of a textarea and scrolls it into view. */
function goToLine(textarea, line) {
  const lines = textarea.value.split("\n");
  let start = 0;
  for (let i = 0; i < line && i < lines.length; i++) start += lines[i].length + 1;
  const end = start + (lines[line]?.length ?? 0);
  textarea.focus();
  textarea.setSelectionRange(start, end);
  const height = textarea.scrollHeight / Math.max(lines.length, 1);
  textarea.scrollTop = Math.max(0, height * line - textarea.clientHeight / 3);
}

const VERDICTS = {
  admitted: "Admitted",
  mutated: "Admitted with changes",
  denied: "Denied",
  error: "Bad request",
};

function renderDocument(doc) {
  const title = `${doc.kind || "(no kind)"} ${doc.name || ""}`.trim();
  const card = el("article", { class: `doc ${doc.verdict}` },
    el("h3", {}, el("span", { class: `badge ${doc.verdict}` }, VERDICTS[doc.verdict] ?? doc.verdict), " ", title,
      el("span", { class: "help" }, ` (${doc.operation}, line ${doc.line + 1})`)));
  if (doc.denied_by.length) card.append(el("p", {}, "Denied by: ", doc.denied_by.join(", ")));
  if (doc.violations.length) {
    const list = el("ul", { class: "violations" });
    for (const v of doc.violations) {
      const where = v.line === null || v.line === undefined
        ? el("code", {}, v.path ?? "")
        : el("button", { type: "button", class: "link", title: `Select line ${v.line + 1} of the manifest`,
            onclick: () => goToLine($("manifest"), v.line) }, el("code", {}, v.path),
            v.exact ? ` (line ${v.line + 1})` : ` (not set; line ${v.line + 1})`);
      list.append(el("li", {}, el("strong", {}, `${v.rule}: `), where, v.path ? ": " : "", v.message));
    }
    card.append(list);
  }
  if (doc.verdict === "error") card.append(el("p", { class: "error" }, doc.response.message ?? ""));
  const warnings = doc.response.warnings ?? [];
  if (warnings.length) {
    card.append(el("h4", {}, "Warnings"), el("ul", { class: "warnings" }, ...warnings.map((w) => el("li", {}, w))));
  }
  if (doc.diff) {
    const pre = el("pre", { class: "diff", "aria-label": "The object after mutation, as a diff" });
    for (const [op, text] of doc.diff) {
      pre.append(el("span", { class: op === "+" ? "add" : op === "-" ? "del" : "same" }, `${op} ${text}\n`));
    }
    card.append(el("h4", {}, "Mutation"), pre,
      el("details", {}, el("summary", {}, "JSON patch"), el("pre", {}, JSON.stringify(doc.patch, null, 2))));
  }
  return card;
}

/** Line numbers beside the manifest; lines with a violation marked. */
function updateGutter(marked = new Set()) {
  const gutter = $("manifest-gutter");
  const count = $("manifest").value.split("\n").length;
  gutter.replaceChildren();
  for (let i = 0; i < count; i++) {
    gutter.append(marked.has(i) ? el("span", { class: "bad", title: "a violation" }, String(i + 1)) : String(i + 1), "\n");
  }
  gutter.scrollTop = $("manifest").scrollTop;
}

function run() {
  const target = currentTarget();
  edited.set($("target").value, target.settings);
  const started = performance.now();
  const out = palisade.evaluate({
    manifest: $("manifest").value,
    old_manifest: $("old-manifest").value,
    namespace: $("namespace").value || null,
    ...target,
  });
  const took = performance.now() - started;
  const status = $("settings-status");
  const settings = out.settings ?? { valid: true };
  $("settings").setAttribute("aria-invalid", String(!settings.valid));
  if (settings.valid) {
    status.className = "ok";
    status.textContent = "Settings accepted.";
  } else {
    status.className = "error";
    status.replaceChildren(settings.message ?? "invalid settings");
    if (settings.line !== null && settings.line !== undefined) {
      status.append(" ", el("button", { type: "button", class: "link",
        onclick: () => goToLine($("settings"), settings.line) }, `(line ${settings.line + 1})`));
    }
  }
  const verdict = $("verdict");
  verdict.replaceChildren();
  if (out.error) verdict.append(el("p", { class: "error", role: "alert" }, out.error));
  else if (!settings.valid) verdict.append(el("p", { class: "help" }, "Fix the settings to see a verdict."));
  for (const doc of out.documents ?? []) verdict.append(renderDocument(doc));
  const marked = new Set((out.documents ?? []).flatMap((d) => (d.violations ?? []).map((v) => v.line)).filter((l) => l != null));
  updateGutter(marked);
  const containers = (out.documents ?? []).length;
  const ms = took < 0.1 ? "under 0.1" : took.toFixed(1);
  $("timing").textContent = `${containers} document${containers === 1 ? "" : "s"} evaluated in ${ms} ms`;
  document.body.dataset.evaluated = String((Number(document.body.dataset.evaluated) || 0) + 1);
}

// Share links: the state, as base64url JSON in the fragment.
function encodeState() {
  const state = { t: $("target").value, s: $("settings").value, m: $("manifest").value,
    o: $("old-manifest").value, n: $("namespace").value };
  const bytes = new TextEncoder().encode(JSON.stringify(state));
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function decodeState(fragment) {
  try {
    const params = new URLSearchParams(fragment);
    if (params.has("state")) {
      const base64 = params.get("state").replace(/-/g, "+").replace(/_/g, "/");
      const binary = atob(base64);
      return JSON.parse(new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0))));
    }
    // Short form: #target=profile:pss-restricted&example=0
    const state = {};
    if (params.has("target")) state.t = params.get("target");
    if (params.has("example")) state.example = Number(params.get("example"));
    return state;
  } catch {
    return {};
  }
}

function applyState(state) {
  if (state.t && [...$("target").options].some((o) => o.value === state.t)) $("target").value = state.t;
  $("settings").value = state.s ?? defaultSettings($("target").value);
  const example = catalogue.examples[state.example ?? 0];
  $("manifest").value = state.m ?? example?.yaml ?? "";
  $("example").value = state.m === undefined ? String(state.example ?? 0) : "";
  $("old-manifest").value = state.o ?? "";
  $("update").open = Boolean(state.o);
  if (state.n) $("namespace").value = state.n;
  showTargetHelp();
}

async function main() {
  await palisade.load();
  catalogue = palisade.catalogue();
  fillPickers();
  $("target").value = "profile:pss-restricted";
  applyState(decodeState(location.hash.slice(1)));
  $("target").addEventListener("change", () => {
    $("settings").value = edited.get($("target").value) ?? defaultSettings($("target").value);
    showTargetHelp();
    run();
  });
  $("example").addEventListener("change", () => {
    const example = catalogue.examples[Number($("example").value)];
    if (example && $("example").value !== "") $("manifest").value = example.yaml;
    run();
  });
  for (const id of ["manifest", "old-manifest", "settings", "namespace"]) {
    $(id).addEventListener("input", () => {
      if (id === "manifest") $("example").value = "";
      run();
    });
  }
  $("manifest").addEventListener("scroll", () => {
    $("manifest-gutter").scrollTop = $("manifest").scrollTop;
  });
  $("share").addEventListener("click", async () => {
    const url = `${location.origin}${location.pathname}#state=${encodeState()}`;
    history.replaceState(null, "", url);
    try {
      await navigator.clipboard.writeText(url);
      $("share-status").textContent = "Link copied.";
    } catch {
      $("share-status").textContent = "The link is in the address bar.";
    }
  });
  run();
}

main().catch((e) => {
  document.getElementById("verdict").replaceChildren(el("p", { class: "error", role: "alert" }, `The playground failed to load: ${e}`));
});
