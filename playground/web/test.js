// The e2e case files and the profile table, run in the browser through the
// page's entry point (palisade.js) with the expectations the module e2e
// suite checks. The test server puts each policy's test_data/ under
// cases/<policy>/, profiles/test_data/ under cases/_profiles/, and the list
// of policies in cases/index.json.
import * as palisade from "./palisade.js";

// Under the test server, `hold` answers only once the result is posted: the
// page's load event, and so Chromium's --dump-dom, wait for the run, in
// real time (timings under --virtual-time-budget would read 0).
const hold = document.createElement("img");
hold.alt = "";
hold.src = "hold";
document.body.append(hold);

const files = new Map();
async function file(path) {
  if (!files.has(path)) {
    const response = await fetch(path);
    if (!response.ok) throw new Error(`${path}: ${response.status}`);
    files.set(path, await response.text());
  }
  return files.get(path);
}

/** JSON with sorted keys, to compare values. */
function canonical(value) {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(",")}}`;
  }
  return JSON.stringify(value ?? null);
}

function checkCase(policy, c, out) {
  const problems = [];
  const response = out.response ?? {};
  if (out.error) return [`error: ${out.error}`];
  if (out.settings && !out.settings.valid) return [`settings refused: ${out.settings.message}`];
  if (response.accepted !== c.accepted) {
    problems.push(`accepted is ${response.accepted}, expected ${c.accepted}: ${response.message}`);
    return problems;
  }
  const message = response.message ?? "";
  const warnings = response.warnings ?? [];
  if (!c.accepted) {
    if (response.code != null) problems.push(`a rejection must not be a 400: ${message}`);
    const found = [...new Set(out.violations.filter((v) => v.rule === policy && v.path).map((v) => v.path))].sort();
    const expected = [...new Set(c.violations ?? [])].sort();
    if (canonical(found) !== canonical(expected)) {
      problems.push(`violations ${JSON.stringify(found)}, expected ${JSON.stringify(expected)}: ${message}`);
    }
    for (const path of expected) {
      if (!message.includes(path)) problems.push(`message does not name ${path}`);
      if (warnings.some((w) => w.includes(`${path}: `))) problems.push(`a warning repeats ${path}`);
    }
  }
  for (const text of c.message ?? []) {
    if (!message.includes(text)) problems.push(`the message does not contain ${JSON.stringify(text)}: ${message}`);
  }
  const mutated = response.mutated_object != null;
  if (c.patch == null && mutated) problems.push(`unexpected mutation: ${JSON.stringify(out.patch)}`);
  if (c.patch != null && !mutated) problems.push("expected a mutation, got none");
  if (c.patch != null && mutated && canonical(out.patch) !== canonical(c.patch)) {
    problems.push(`patch ${JSON.stringify(out.patch)}, expected ${JSON.stringify(c.patch)}`);
  }
  for (const text of c.warnings ?? []) {
    if (!warnings.some((w) => w.includes(text))) problems.push(`no warning contains ${JSON.stringify(text)}: ${JSON.stringify(warnings)}`);
  }
  return problems;
}

async function ruleCases(policies, failures) {
  let count = 0;
  for (const policy of policies) {
    const cases = palisade.parseYaml(await file(`cases/${policy}/cases.yml`));
    for (const c of cases) {
      count += 1;
      const target = { rule: policy, settings: JSON.stringify(c.settings ?? {}) };
      if (c.settings_error != null) {
        const check = palisade.checkSettings(target);
        if (check.valid || !(check.message ?? "").includes(c.settings_error)) {
          failures.push(`${policy}: ${c.name}: settings error ${JSON.stringify(check.message)}, expected one about ${JSON.stringify(c.settings_error)}`);
        }
        continue;
      }
      const out = palisade.evaluateRequest(await file(`cases/${policy}/${c.request}`), target);
      for (const problem of checkCase(policy, c, out)) failures.push(`${policy}: ${c.name}: ${problem}`);
    }
  }
  return count;
}

async function profileTable(profiles, failures) {
  let count = 0;
  const table = palisade.parseYaml(await file("cases/_profiles/cases.yml"));
  for (const row of table) {
    const text = await file(`cases/_profiles/${row.request}`);
    for (const [name, want] of Object.entries(row.expect)) {
      count += 1;
      const profile = profiles.find((p) => p.name === name);
      if (!profile) {
        failures.push(`${row.request}: no profile ${name}`);
        continue;
      }
      const target = { settings: profile.yaml };
      const out = palisade.evaluateRequest(text, target);
      const got = out.verdict === "denied" ? canonical([...out.denied_by].sort()) : out.verdict;
      const expected = Array.isArray(want) ? canonical([...want].sort()) : want;
      if (got !== expected) {
        failures.push(`${row.request} under ${name}: got ${got}, want ${expected} (${out.response?.message ?? out.error})`);
        continue;
      }
      // A mutated object is one the profile then admits unchanged.
      if (out.verdict === "mutated") {
        let request = palisade.parseYaml(text);
        if (request.kind === "AdmissionReview") request = request.request;
        request.object = out.response.mutated_object;
        const again = palisade.evaluateRequest(JSON.stringify(request), target);
        if (again.verdict !== "admitted") {
          failures.push(`${row.request} under ${name}: the mutated object is ${again.verdict} again: ${again.response?.message}`);
        }
      }
    }
  }
  return count;
}

/** Median time of the page's call for a 100-container Pod under a profile. */
function timing(profile) {
  const containers = Array.from({ length: 100 }, (_, i) => `  - name: app-${i}
    image: registry.example.com/app:${i}
    ports: [{containerPort: ${8000 + i}}]
    securityContext:
      runAsNonRoot: true
      allowPrivilegeEscalation: false
      capabilities: {drop: [ALL]}
`).join("");
  const manifest = `apiVersion: v1
kind: Pod
metadata:
  name: hundred
spec:
  securityContext:
    seccompProfile: {type: RuntimeDefault}
  containers:
${containers}`;
  const input = { manifest, old_manifest: "", namespace: "default", settings: profile.yaml };
  const first = palisade.evaluate(input);
  const times = [];
  for (let i = 0; i < 21; i++) {
    const started = performance.now();
    palisade.evaluate(input);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return { verdict: first.documents?.[0]?.verdict, median_ms: times[10], max_ms: times[20] };
}

async function main() {
  const started = performance.now();
  await palisade.load();
  const catalogue = palisade.catalogue();
  const index = JSON.parse(await file("cases/index.json"));
  const failures = [];
  const missing = index.policies.filter((p) => !catalogue.rules.some((r) => r.name === p));
  for (const policy of missing) failures.push(`${policy}: not in the playground's catalogue`);
  const rules = await ruleCases(index.policies.filter((p) => !missing.includes(p)), failures);
  const profiles = await profileTable(catalogue.profiles, failures);
  const restricted = catalogue.profiles.find((p) => p.name === "pss-restricted");
  const hundred = timing(restricted);
  if (hundred.verdict !== "admitted") failures.push(`the 100-container pod is ${hundred.verdict} under pss-restricted`);
  return { rule_cases: rules, profile_cases: profiles, failures, hundred, ms: Math.round(performance.now() - started) };
}

main()
  .catch((e) => ({ rule_cases: 0, profile_cases: 0, failures: [`the test page failed: ${e}`] }))
  .then((result) => {
    const pre = document.getElementById("result");
    pre.textContent = JSON.stringify(result);
    pre.dataset.done = "true";
    document.title = "done";
    return fetch("result", { method: "POST", body: JSON.stringify(result) }).catch(() => {});
  });
