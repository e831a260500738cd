// The page's entry point into the rules: the wasm-bindgen module, with JSON
// in and out. The page (app.js) and the browser tests (test.js) both call
// these functions, and only these.
import init, * as wasm from "./playground.js";

let ready;
let listed;

async function text(path) {
  const response = await fetch(new URL(path, import.meta.url));
  if (!response.ok) throw new Error(`${path}: ${response.status}`);
  return response.text();
}

/** Loads the module once, with the texts served beside it (catalogue.json
 *  lists them): each rule's README and each profile. */
export function load() {
  ready ??= (async () => {
    await init({ module_or_path: new URL("playground_bg.wasm", import.meta.url) });
    const index = JSON.parse(await text("catalogue.json"));
    const sources = { readmes: {}, profiles: {} };
    await Promise.all([
      ...index.rules.map(async (name) => { sources.readmes[name] = await text(`rules/${name}.md`); }),
      ...index.profiles.map(async (name) => { sources.profiles[name] = await text(`profiles/${name}.yml`); }),
    ]);
    listed = JSON.parse(wasm.catalogue(JSON.stringify(sources)));
    if (listed.error) throw new Error(listed.error);
  })();
  return ready;
}

/** Rules (with their documented settings), profiles and seed examples. */
export function catalogue() {
  return listed;
}

/** Settings as the module checks them: {valid, message, field, line}.
 *  target: {rule, settings} for a rule, {settings} (the profile's YAML) for a profile. */
export function checkSettings(target) {
  return JSON.parse(wasm.checkSettings(JSON.stringify(target)));
}

/** Every document of a manifest, as CREATE (or UPDATE against old_manifest):
 *  {settings, documents: [{kind, name, line, verdict, response, denied_by,
 *  violations: [{rule, path, message, line}], patch, diff}]}. */
export function evaluate(input) {
  return JSON.parse(wasm.evaluate(JSON.stringify(input)));
}

/** A whole AdmissionRequest (or AdmissionReview), as text, against a target. */
export function evaluateRequest(requestText, target) {
  return JSON.parse(wasm.evaluateRequest(requestText, JSON.stringify(target)));
}

/** One YAML or JSON document, parsed as the module parses manifests. */
export function parseYaml(text) {
  return JSON.parse(wasm.yamlToJson(text));
}
