// The page's entry point into the rules: the wasm-bindgen module, with JSON
// in and out. The page (app.js) and the browser tests (test.js) both call
// these functions, and only these.
import init, * as wasm from "./playground.js";

let ready;

/** Loads the module once. */
export function load() {
  ready ??= init({ module_or_path: new URL("playground_bg.wasm", import.meta.url) });
  return ready;
}

/** Rules (with their documented settings), profiles and seed examples. */
export function catalogue() {
  return JSON.parse(wasm.catalogue());
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
