//! Profiles: named sets of rules with their settings (`profiles/*.yml`),
//! evaluated together on one request, and turned into the Kubewarden
//! manifests that deploy them: one `ClusterAdmissionPolicyGroup`, or the
//! equivalent set of `ClusterAdmissionPolicy` resources.

use crate::annotate::load_metadata;
use crate::examples::Verdict;
use crate::host::{Policy, ValidationResponse};
use anyhow::{Context, Result, bail, ensure};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub name: String,
    pub title: String,
    pub source: String,
    pub description: String,
    /// Namespaces the source exempts; given to every rule as its
    /// `exempt_namespaces` setting.
    #[serde(default)]
    pub exempt_namespaces: Vec<String>,
    pub rules: Vec<ProfileRule>,
    /// Who the profile applies to (a converted PodSecurityPolicy: where and
    /// to whom RBAC granted its use); absent: every request. Not part of the
    /// bundle's settings: the manifests carry it as a namespaceSelector and
    /// matchConditions, and `palisade run` applies it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<Scope>,
}

/// The requests a profile applies to: those of any grant.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Scope {
    pub grants: Vec<Grant>,
    /// A label selector on the object itself (Azure Policy's
    /// `labelSelector`): the manifests' `objectSelector`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_selector: Option<Value>,
}

/// A RoleBinding (in its namespace) or ClusterRoleBinding (everywhere)
/// granting `use` of a PodSecurityPolicy to its subjects.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Grant {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub subjects: Vec<Subject>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(tag = "kind", deny_unknown_fields)]
pub enum Subject {
    User { name: String },
    Group { name: String },
    ServiceAccount { namespace: String, name: String },
}

/// The label every namespace carries with its name.
const NAMESPACE_NAME_LABEL: &str = "kubernetes.io/metadata.name";

fn cel_string(text: &str) -> String {
    format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// The pod's service account name in CEL, for a Pod, a workload with a pod
/// template and a CronJob: what [`pod_service_account`] reads.
fn cel_pod_service_account() -> String {
    let account = |spec: &str| {
        format!(
            "(has({spec}.serviceAccountName) ? {spec}.serviceAccountName : \
             has({spec}.serviceAccount) ? {spec}.serviceAccount : 'default')"
        )
    };
    format!(
        "(has(object.spec.template) ? {} : has(object.spec.jobTemplate) ? {} : {})",
        account("object.spec.template.spec"),
        account("object.spec.jobTemplate.spec.template.spec"),
        account("object.spec")
    )
}

impl Subject {
    /// Whether every pod of `namespace` (None: of any namespace) is this
    /// subject: PSP authorised a pod by its service account too, and every
    /// service account is in these groups.
    fn covers_every_pod(&self, namespace: Option<&str>) -> bool {
        match self {
            Subject::Group { name: group } => {
                group == "system:authenticated"
                    || group == "system:serviceaccounts"
                    || namespace.is_some_and(|ns| *group == format!("system:serviceaccounts:{ns}"))
            }
            _ => false,
        }
    }

    fn matches(&self, request: &Value) -> bool {
        let namespace = request
            .get("namespace")
            .and_then(Value::as_str)
            .unwrap_or("");
        if self.covers_every_pod(Some(namespace)) {
            return true;
        }
        let username = request
            .pointer("/userInfo/username")
            .and_then(Value::as_str)
            .unwrap_or("");
        match self {
            Subject::User { name: user } => username == user,
            Subject::Group { name: group } => request
                .pointer("/userInfo/groups")
                .and_then(Value::as_array)
                .is_some_and(|groups| groups.iter().any(|g| g == group.as_str())),
            Subject::ServiceAccount {
                namespace: sa_namespace,
                name,
            } => {
                username == format!("system:serviceaccount:{sa_namespace}:{name}")
                    || (sa_namespace == namespace && pod_service_account(request) == name)
            }
        }
    }

    fn cel(&self) -> String {
        match self {
            Subject::User { name: user } => {
                format!("request.userInfo.username == {}", cel_string(user))
            }
            // Every pod's service account is in these groups.
            Subject::Group { .. } if self.covers_every_pod(None) => "true".to_owned(),
            Subject::Group { name: group } => {
                let member = format!("{} in request.userInfo.groups", cel_string(group));
                match group.strip_prefix("system:serviceaccounts:") {
                    Some(namespace) => {
                        format!("request.namespace == {} || {member}", cel_string(namespace))
                    }
                    None => member,
                }
            }
            Subject::ServiceAccount { namespace, name } => format!(
                "request.userInfo.username == {} || (request.namespace == {} && {} == {})",
                cel_string(&format!("system:serviceaccount:{namespace}:{name}")),
                cel_string(namespace),
                cel_pod_service_account(),
                cel_string(name)
            ),
        }
    }
}

/// The service account the request's pod runs as (`default` when unset).
fn pod_service_account(request: &Value) -> &str {
    let object = request.get("object");
    let spec = object
        .and_then(|o| o.pointer("/spec/template/spec"))
        .or_else(|| object.and_then(|o| o.pointer("/spec/jobTemplate/spec/template/spec")))
        .or_else(|| object.and_then(|o| o.get("spec")));
    spec.and_then(|s| {
        s.get("serviceAccountName")
            .or_else(|| s.get("serviceAccount"))
    })
    .and_then(Value::as_str)
    .unwrap_or("default")
}

impl Grant {
    fn covers_every_pod(&self) -> bool {
        self.subjects
            .iter()
            .any(|s| s.covers_every_pod(self.namespace.as_deref()))
    }

    fn matches(&self, request: &Value) -> bool {
        let namespace = request.get("namespace").and_then(Value::as_str);
        self.namespace
            .as_deref()
            .is_none_or(|ns| Some(ns) == namespace)
            && self.subjects.iter().any(|s| s.matches(request))
    }
}

impl Scope {
    /// Whether the profile applies to the request.
    pub fn matches(&self, request: &Value) -> bool {
        self.grants.iter().any(|g| g.matches(request))
            && self
                .object_selector
                .as_ref()
                .is_none_or(|selector| selects(selector, request))
    }

    /// Sets a Kubewarden policy spec's `namespaceSelector` (when every grant
    /// is in a namespace) and `matchConditions` (when some grant is to
    /// particular users, groups or service accounts).
    pub fn apply(&self, spec: &mut Value) {
        let Some(spec) = spec.as_object_mut() else {
            return;
        };
        if let Some(selector) = &self.object_selector {
            spec.insert("objectSelector".into(), selector.clone());
        }
        if self
            .grants
            .iter()
            .any(|g| g.namespace.is_none() && g.covers_every_pod())
        {
            return;
        }
        let mut namespaces: Vec<&str> = self
            .grants
            .iter()
            .filter_map(|g| g.namespace.as_deref())
            .collect();
        namespaces.sort_unstable();
        namespaces.dedup();
        let every_grant_namespaced = self.grants.iter().all(|g| g.namespace.is_some());
        if every_grant_namespaced && !namespaces.is_empty() {
            spec.insert(
                "namespaceSelector".into(),
                json!({"matchExpressions": [{"key": NAMESPACE_NAME_LABEL, "operator": "In", "values": namespaces}]}),
            );
        }
        if self.grants.iter().all(Grant::covers_every_pod) && !self.grants.is_empty() {
            return;
        }
        let terms: Vec<String> = self
            .grants
            .iter()
            .map(|grant| {
                let who = if grant.covers_every_pod() {
                    "true".to_owned()
                } else {
                    let subjects: Vec<String> = grant
                        .subjects
                        .iter()
                        .map(|s| format!("({})", s.cel()))
                        .collect();
                    if subjects.is_empty() {
                        "false".to_owned()
                    } else {
                        subjects.join(" || ")
                    }
                };
                match &grant.namespace {
                    Some(ns) => format!("(request.namespace == {} && ({who}))", cel_string(ns)),
                    None => format!("({who})"),
                }
            })
            .collect();
        let expression = if terms.is_empty() {
            "false".to_owned()
        } else {
            terms.join(" || ")
        };
        spec.insert(
            "matchConditions".into(),
            json!([{"name": "granted-by-rbac", "expression": expression}]),
        );
    }
}

/// Whether a Kubernetes label selector (`matchLabels`, `matchExpressions`)
/// selects the request's object (the old object on DELETE).
fn selects(selector: &Value, request: &Value) -> bool {
    let labels = request
        .pointer("/object/metadata/labels")
        .or_else(|| request.pointer("/oldObject/metadata/labels"))
        .and_then(Value::as_object);
    let label = |key: &str| labels.and_then(|l| l.get(key)).and_then(Value::as_str);
    let match_labels = selector.get("matchLabels").and_then(Value::as_object);
    let labels_match = match_labels
        .into_iter()
        .flatten()
        .all(|(key, value)| label(key).is_some_and(|v| Some(v) == value.as_str()));
    let expressions = selector.get("matchExpressions").and_then(Value::as_array);
    labels_match
        && expressions.into_iter().flatten().all(|expression| {
            let key = expression.get("key").and_then(Value::as_str).unwrap_or("");
            let values: Vec<&str> = expression
                .get("values")
                .and_then(Value::as_array)
                .map(|v| v.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            match expression.get("operator").and_then(Value::as_str) {
                Some("In") => label(key).is_some_and(|v| values.contains(&v)),
                Some("NotIn") => label(key).is_none_or(|v| !values.contains(&v)),
                Some("Exists") => label(key).is_some(),
                Some("DoesNotExist") => label(key).is_none(),
                _ => false,
            }
        })
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileRule {
    pub policy: String,
    /// Distinguishes two uses of one policy in a profile (default: the policy).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default = "empty_object")]
    pub settings: Value,
    /// This rule's mode in the protect manifests (a converted Azure
    /// assignment: Audit is `monitor`); absent: the manifest's mode. The
    /// group and the bundle, one policy each, take the strictest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<Mode>,
}

fn empty_object() -> Value {
    json!({})
}

impl ProfileRule {
    /// The rule's name within its profile.
    pub fn name(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.policy)
    }
}

/// Kubewarden's two deployment modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Protect,
    Monitor,
}

impl Mode {
    pub fn parse(text: &str) -> Result<Self> {
        match text {
            "protect" => Ok(Mode::Protect),
            "monitor" => Ok(Mode::Monitor),
            other => bail!("mode must be protect or monitor, not {other:?}"),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Protect => "protect",
            Mode::Monitor => "monitor",
        }
    }
}

impl Profile {
    pub fn load(path: &Path) -> Result<Self> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let profile: Profile =
            serde_norway::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        ensure!(
            profile.name == stem,
            "{}: name {:?} differs from the file name",
            path.display(),
            profile.name
        );
        for rule in &profile.rules {
            ensure!(
                rule.settings.is_object(),
                "{}: settings of {} are not a map",
                path.display(),
                rule.policy
            );
        }
        Ok(profile)
    }

    /// A profile given by name (`<dir>/<name>.yml`) or as a file path
    /// (anything with a `/` or a `.yml`/`.yaml` extension), as a converted
    /// PodSecurityPolicy is.
    pub fn find(name_or_path: &str, dir: &Path) -> Result<Self> {
        let path = Path::new(name_or_path);
        let is_path = name_or_path.contains(std::path::MAIN_SEPARATOR)
            || name_or_path.contains('/')
            || path.extension().is_some_and(|e| e == "yml" || e == "yaml");
        if is_path {
            Self::load(path)
        } else {
            Self::load(&dir.join(format!("{name_or_path}.yml")))
        }
    }

    /// Every profile under `dir`, by name.
    pub fn load_all(dir: &Path) -> Result<Vec<Self>> {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
            .with_context(|| format!("reading {}", dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "yml"))
            .collect();
        paths.sort();
        paths.iter().map(|p| Self::load(p)).collect()
    }

    /// The bundle module's settings for this profile: the profile itself.
    pub fn bundle_settings(&self) -> Value {
        let mut settings = serde_json::to_value(self).unwrap_or_default();
        if let Some(settings) = settings.as_object_mut() {
            settings.remove("scope");
            // A rule's mode is the manifests' business, not the bundle's.
            let rules = settings.get_mut("rules").and_then(Value::as_array_mut);
            for rule in rules.into_iter().flatten() {
                if let Some(rule) = rule.as_object_mut() {
                    rule.remove("mode");
                }
            }
        }
        settings
    }

    /// A rule's mode in manifests of `mode`: monitor manifests monitor
    /// everything; protect ones use the rule's own mode.
    pub fn rule_mode(rule: &ProfileRule, mode: Mode) -> Mode {
        match mode {
            Mode::Monitor => Mode::Monitor,
            Mode::Protect => rule.mode.unwrap_or(Mode::Protect),
        }
    }

    /// The mode of a manifest running every rule at once (the group, the
    /// bundle): the strictest of the rules' modes.
    pub fn strictest_mode(&self, mode: Mode) -> Mode {
        if self
            .rules
            .iter()
            .any(|rule| Self::rule_mode(rule, mode) == Mode::Protect)
        {
            Mode::Protect
        } else {
            Mode::Monitor
        }
    }

    /// Adds the profile's scope, if any, to a manifest's spec.
    fn scope_manifest(&self, mut manifest: Value) -> Value {
        if let (Some(scope), Some(spec)) = (&self.scope, manifest.get_mut("spec")) {
            scope.apply(spec);
        }
        manifest
    }

    /// The settings a rule runs with: its own, plus the profile's exempt
    /// namespaces. `validate_only` forces mutating rules to reject instead.
    pub fn settings(&self, rule: &ProfileRule, validate_only: bool) -> Value {
        let mut settings = rule.settings.as_object().cloned().unwrap_or_default();
        if !self.exempt_namespaces.is_empty() {
            settings.insert("exempt_namespaces".into(), json!(self.exempt_namespaces));
        }
        if validate_only {
            settings.insert("validate_only".into(), json!(true));
        }
        Value::Object(settings)
    }
}

/// One rule's verdict within a profile.
pub struct RuleOutcome {
    pub policy: String,
    pub response: ValidationResponse,
}

/// A profile's combined verdict on one request.
pub struct ProfileOutcome {
    pub verdict: Verdict,
    /// Every rule's response, in profile order.
    pub rules: Vec<RuleOutcome>,
    /// The object after every mutation, when some rule mutated it.
    pub mutated_object: Option<Value>,
}

impl ProfileOutcome {
    /// Every rejection, each prefixed by the rule that found it.
    pub fn violations(&self) -> Vec<String> {
        self.rules
            .iter()
            .filter(|r| !r.response.accepted)
            .map(|r| {
                r.response
                    .message
                    .clone()
                    .unwrap_or_else(|| r.policy.clone())
            })
            .collect()
    }

    /// The ValidationResponse the profile gives as a whole.
    pub fn response(&self) -> ValidationResponse {
        let violations = self.violations();
        let warnings: Vec<String> = self
            .rules
            .iter()
            .flat_map(|r| r.response.warnings.iter().flatten().cloned())
            .collect();
        ValidationResponse {
            accepted: violations.is_empty(),
            message: (!violations.is_empty()).then(|| violations.join("; ")),
            code: None,
            mutated_object: if violations.is_empty() {
                self.mutated_object.clone()
            } else {
                None
            },
            audit_annotations: None,
            warnings: (!warnings.is_empty()).then_some(warnings),
        }
    }
}

/// A profile's rules loaded from the built modules, ready to evaluate.
pub struct LoadedProfile {
    pub profile: Profile,
    modules: Vec<(ProfileRule, Policy)>,
}

impl LoadedProfile {
    /// Loads every module of the profile from `artifacts/<policy>/policy.wasm`
    /// and checks that each accepts its settings.
    pub fn load(profile: Profile, artifacts: &Path) -> Result<Self> {
        let mut modules = Vec::new();
        for rule in &profile.rules {
            let module = artifacts.join(&rule.policy).join("policy.wasm");
            let policy = Policy::load(&module)
                .with_context(|| format!("profile {}: rule {}", profile.name, rule.policy))?;
            let settings = profile.settings(rule, false);
            let verdict = policy.validate_settings(&settings)?;
            ensure!(
                verdict.valid,
                "profile {}: {} refuses its settings: {}",
                profile.name,
                rule.policy,
                verdict.message.unwrap_or_default()
            );
            modules.push((rule.clone(), policy));
        }
        Ok(Self { profile, modules })
    }

    /// Runs every rule in profile order. A mutation replaces the object the
    /// next rules see, as the API server chains mutating webhooks.
    pub fn evaluate(&self, request: &Value) -> Result<ProfileOutcome> {
        if let Some(scope) = &self.profile.scope
            && !scope.matches(request)
        {
            // Out of scope: no rule runs, as the webhook is not called.
            return Ok(ProfileOutcome {
                verdict: Verdict::Admitted,
                rules: Vec::new(),
                mutated_object: None,
            });
        }
        let mut request = request.clone();
        let mut rules = Vec::new();
        let mut mutated = false;
        for (rule, policy) in &self.modules {
            let settings = self.profile.settings(rule, false);
            let response = policy
                .validate(&request, &settings)
                .with_context(|| format!("{} on the request", rule.name()))?;
            // The next rule sees the object as this one mutated it.
            if let (true, Some(object), Some(fields)) = (
                response.accepted,
                &response.mutated_object,
                request.as_object_mut(),
            ) {
                fields.insert("object".into(), object.clone());
                mutated = true;
            }
            rules.push(RuleOutcome {
                policy: rule.name().to_owned(),
                response,
            });
        }
        let rejected = rules.iter().any(|r| !r.response.accepted);
        let verdict = match (rejected, mutated) {
            (true, _) => Verdict::Denied,
            (false, true) => Verdict::Mutated,
            (false, false) => Verdict::Admitted,
        };
        Ok(ProfileOutcome {
            verdict,
            rules,
            // A denied request is not mutated: the API server drops the patches.
            mutated_object: (mutated && !rejected)
                .then(|| request.get("object").cloned())
                .flatten(),
        })
    }
}

/// A group policy's name for a rule: an identifier for the expression.
fn member_name(policy: &str) -> String {
    policy.replace('-', "_")
}

/// Where the cluster pulls a policy from.
pub struct ModuleRef<'a> {
    pub registry: &'a str,
    /// Where `make artifacts` wrote `<policy>/policy.wasm` and its `digest`.
    pub artifacts: &'a Path,
    /// Pin by digest (read from the package) instead of the version tag.
    pub pin: bool,
}

impl ModuleRef<'_> {
    fn metadata(&self, policy_dir: &Path) -> Result<Map<String, Value>> {
        load_metadata(&std::fs::read_to_string(policy_dir.join("metadata.yml"))?)
    }

    fn reference(&self, policy: &str, metadata: &Map<String, Value>) -> Result<String> {
        let version = crate::package::version(metadata)?;
        let base = format!("registry://{}/{policy}", self.registry);
        if !self.pin {
            return Ok(format!("{base}:v{version}"));
        }
        let digest_file = self.artifacts.join(policy).join("digest");
        let digest = std::fs::read_to_string(&digest_file)
            .with_context(|| format!("reading {}", digest_file.display()))?;
        Ok(format!("{base}@{}", digest.trim()))
    }
}

/// Adds a member's webhook rules (from its metadata) to a profile's, once.
fn add_webhook_rules(rules: &mut Vec<Value>, metadata: &Map<String, Value>) {
    let member_rules = metadata.get("rules").and_then(Value::as_array);
    for webhook_rule in member_rules.into_iter().flatten() {
        if !rules.contains(webhook_rule) {
            rules.push(webhook_rule.clone());
        }
    }
}

/// The ClusterAdmissionPolicyGroup: one member per rule, all required.
/// Groups only validate, so mutating rules run with `validate_only`.
pub fn group_manifest(
    profile: &Profile,
    policies_dir: &Path,
    modules: &ModuleRef,
    mode: Mode,
) -> Result<Value> {
    let mut members = Map::new();
    let mut rules: Vec<Value> = Vec::new();
    for rule in &profile.rules {
        let metadata = modules.metadata(&policies_dir.join(&rule.policy))?;
        let mutating = metadata.get("mutating") == Some(&json!(true));
        let settings = if mutating {
            group_settings(profile, rule, modules.artifacts)?
        } else {
            profile.settings(rule, false)
        };
        members.insert(
            member_name(rule.name()),
            json!({
                "module": modules.reference(&rule.policy, &metadata)?,
                "settings": settings,
            }),
        );
        add_webhook_rules(&mut rules, &metadata);
    }
    let expression: Vec<String> = profile
        .rules
        .iter()
        .map(|r| format!("{}()", member_name(r.name())))
        .collect();
    Ok(profile.scope_manifest(json!({
        "apiVersion": "policies.kubewarden.io/v1",
        "kind": "ClusterAdmissionPolicyGroup",
        "metadata": {
            "name": format!("palisade-{}", profile.name),
            "annotations": {"io.kubewarden.policy.title": profile.title, "palisade.dev/source": profile.source},
        },
        "spec": {
            "mode": profile.strictest_mode(mode).as_str(),
            "rules": rules,
            "backgroundAudit": true,
            "policies": members,
            "expression": expression.join(" && "),
            "message": format!("the object violates the {} profile", profile.name),
        },
    })))
}

/// A mutating rule's settings inside a group, which cannot mutate: with
/// `validate_only`, so a change it would make is a rejection. Rules refuse
/// `validate_only` where their settings make no change; the built module
/// decides, and then the settings stay as they are.
fn group_settings(profile: &Profile, rule: &ProfileRule, artifacts: &Path) -> Result<Value> {
    let module = artifacts.join(&rule.policy).join("policy.wasm");
    let policy = Policy::load(&module)?;
    let strict = profile.settings(rule, true);
    Ok(if policy.validate_settings(&strict)?.valid {
        strict
    } else {
        profile.settings(rule, false)
    })
}

/// The same profile as one ClusterAdmissionPolicy per rule; mutating rules
/// keep mutating.
pub fn policy_manifests(
    profile: &Profile,
    policies_dir: &Path,
    modules: &ModuleRef,
    mode: Mode,
) -> Result<Vec<Value>> {
    profile
        .rules
        .iter()
        .map(|rule| {
            let metadata = modules.metadata(&policies_dir.join(&rule.policy))?;
            let mutating = metadata.get("mutating").cloned().unwrap_or(json!(false));
            Ok(profile.scope_manifest(json!({
                "apiVersion": "policies.kubewarden.io/v1",
                "kind": "ClusterAdmissionPolicy",
                "metadata": {
                    "name": format!("palisade-{}-{}", profile.name, rule.name()),
                    "labels": {"palisade.dev/profile": profile.name},
                },
                "spec": {
                    "module": modules.reference(&rule.policy, &metadata)?,
                    "mode": Profile::rule_mode(rule, mode).as_str(),
                    "settings": profile.settings(rule, false),
                    "rules": metadata.get("rules").cloned().unwrap_or(json!([])),
                    "mutating": mutating,
                    "backgroundAudit": metadata.get("backgroundAudit").cloned().unwrap_or(json!(true)),
                },
            })))
        })
        .collect()
}

/// The whole profile as one ClusterAdmissionPolicy running the bundle
/// module, with the profile as its settings: one parse and one answer per
/// request. It mutates when a member does.
pub fn bundle_manifest(
    profile: &Profile,
    policies_dir: &Path,
    bundle_dir: &Path,
    modules: &ModuleRef,
    mode: Mode,
) -> Result<Value> {
    let mut rules: Vec<Value> = Vec::new();
    let mut mutating = false;
    for rule in &profile.rules {
        let metadata = modules.metadata(&policies_dir.join(&rule.policy))?;
        mutating |= metadata.get("mutating") == Some(&json!(true));
        add_webhook_rules(&mut rules, &metadata);
    }
    let metadata = modules.metadata(bundle_dir)?;
    Ok(profile.scope_manifest(json!({
        "apiVersion": "policies.kubewarden.io/v1",
        "kind": "ClusterAdmissionPolicy",
        "metadata": {
            "name": format!("palisade-{}-bundle", profile.name),
            "labels": {"palisade.dev/profile": profile.name},
            "annotations": {"io.kubewarden.policy.title": profile.title, "palisade.dev/source": profile.source},
        },
        "spec": {
            "module": modules.reference("bundle", &metadata)?,
            "mode": profile.strictest_mode(mode).as_str(),
            "settings": profile.bundle_settings(),
            "rules": rules,
            "mutating": mutating,
            "backgroundAudit": true,
        },
    })))
}

/// Writes `<out>/<profile>/{group.yaml, policies.yaml, bundle.yaml}` for
/// both modes (`group.yaml` protects; `group-monitor.yaml` only logs).
pub fn write_manifests(
    profile: &Profile,
    policies_dir: &Path,
    bundle_dir: &Path,
    modules: &ModuleRef,
    out: &Path,
) -> Result<Vec<PathBuf>> {
    let dir = out.join(&profile.name);
    std::fs::create_dir_all(&dir)?;
    let mut written = Vec::new();
    for (mode, suffix) in [(Mode::Protect, ""), (Mode::Monitor, "-monitor")] {
        let group = group_manifest(profile, policies_dir, modules, mode)?;
        let path = dir.join(format!("group{suffix}.yaml"));
        std::fs::write(&path, serde_norway::to_string(&group)?)?;
        written.push(path);
        let documents: Vec<String> = policy_manifests(profile, policies_dir, modules, mode)?
            .iter()
            .map(serde_norway::to_string)
            .collect::<Result<_, _>>()?;
        let path = dir.join(format!("policies{suffix}.yaml"));
        std::fs::write(&path, documents.join("---\n"))?;
        written.push(path);
        let bundle = bundle_manifest(profile, policies_dir, bundle_dir, modules, mode)?;
        let path = dir.join(format!("bundle{suffix}.yaml"));
        std::fs::write(&path, serde_norway::to_string(&bundle)?)?;
        written.push(path);
    }
    Ok(written)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn group(name: &str) -> Subject {
        Subject::Group { name: name.into() }
    }

    /// A rule's mode: its own in protect manifests, monitor in monitor
    /// ones; the group and bundle take the strictest; the bundle's settings
    /// leave it out.
    #[test]
    fn rule_modes_are_per_rule_and_the_strictest_for_one_policy() {
        let profile: Profile = serde_norway::from_str(
            "{name: p, title: t, source: s, description: d, rules: [\
             {policy: no-privilege, mode: monitor}, {policy: sysctls}]}",
        )
        .unwrap();
        let [audit, plain] = [&profile.rules[0], &profile.rules[1]];
        assert_eq!(Profile::rule_mode(audit, Mode::Protect), Mode::Monitor);
        assert_eq!(Profile::rule_mode(plain, Mode::Protect), Mode::Protect);
        assert_eq!(Profile::rule_mode(plain, Mode::Monitor), Mode::Monitor);
        assert_eq!(profile.strictest_mode(Mode::Protect), Mode::Protect);
        assert_eq!(profile.strictest_mode(Mode::Monitor), Mode::Monitor);
        let mut monitored = profile.clone();
        monitored.rules.truncate(1);
        assert_eq!(monitored.strictest_mode(Mode::Protect), Mode::Monitor);
        let settings = profile.bundle_settings();
        assert!(settings["rules"][0].get("mode").is_none(), "{settings}");
        assert!(
            serde_norway::from_str::<Profile>(
                "{name: p, title: t, source: s, description: d, rules: [{policy: x, mode: audit}]}"
            )
            .is_err()
        );
    }

    /// The scope `palisade run` applies and the matchConditions the
    /// manifests carry say the same.
    #[test]
    fn scopes_render_what_they_match() {
        let request = |namespace: &str, user: &str| {
            json!({"namespace": namespace, "userInfo": {"username": user, "groups": ["system:authenticated"]},
                "object": {"spec": {"containers": []}}})
        };
        // A cluster-wide grant to a namespace's service accounts: that
        // namespace's pods, whoever creates them.
        let scope = Scope {
            grants: vec![Grant {
                namespace: None,
                subjects: vec![group("system:serviceaccounts:team-a"), group("admins")],
            }],
            object_selector: None,
        };
        assert!(scope.matches(&request("team-a", "bob")));
        assert!(!scope.matches(&request("team-b", "bob")));
        let mut spec = json!({});
        scope.apply(&mut spec);
        assert!(spec.get("namespaceSelector").is_none());
        assert_eq!(
            spec["matchConditions"][0]["expression"],
            "((request.namespace == 'team-a' || 'system:serviceaccounts:team-a' in request.userInfo.groups) || ('admins' in request.userInfo.groups))"
        );
        // A cluster-wide grant to every authenticated user: no scope at all.
        let everyone = Scope {
            grants: vec![Grant {
                namespace: None,
                subjects: vec![group("system:authenticated")],
            }],
            object_selector: None,
        };
        let mut spec = json!({});
        everyone.apply(&mut spec);
        assert_eq!(spec, json!({}));
        assert!(everyone.matches(&request("any", "bob")));
        // No grant: nothing matches, and the manifests say so.
        let nobody = Scope::default();
        let mut spec = json!({});
        nobody.apply(&mut spec);
        assert_eq!(spec["matchConditions"][0]["expression"], "false");
        assert!(!nobody.matches(&request("any", "bob")));
    }

    /// What the API server does with a manifest's scope: the namespace
    /// selector on the namespace's name label, then every matchCondition
    /// through a CEL interpreter, with `request`, `object` and `oldObject`
    /// bound as Kubernetes binds them. `Err` when CEL fails to evaluate.
    fn manifest_selects(spec: &Value, request: &Value) -> Result<bool, String> {
        let namespace = request["namespace"].as_str().unwrap_or_default();
        if let Some(expressions) = spec.pointer("/namespaceSelector/matchExpressions") {
            for e in expressions.as_array().unwrap() {
                assert_eq!(
                    (&e["key"], &e["operator"]),
                    (&json!(NAMESPACE_NAME_LABEL), &json!("In"))
                );
                if !e["values"].as_array().unwrap().contains(&json!(namespace)) {
                    return Ok(false);
                }
            }
        }
        if let Some(selector) = spec.get("objectSelector")
            && !selects(selector, request)
        {
            return Ok(false);
        }
        for condition in spec["matchConditions"].as_array().into_iter().flatten() {
            let expression = condition["expression"].as_str().unwrap();
            let program = cel_interpreter::Program::compile(expression)
                .map_err(|e| format!("{expression}: {e}"))?;
            let mut context = cel_interpreter::Context::default();
            for (name, value) in [
                ("request", request),
                ("object", &request["object"]),
                ("oldObject", &request["oldObject"]),
            ] {
                context.add_variable(name, value).unwrap();
            }
            match program.execute(&context) {
                Ok(cel_interpreter::Value::Bool(true)) => {}
                Ok(cel_interpreter::Value::Bool(false)) => return Ok(false),
                other => return Err(format!("{expression}: {other:?}")),
            }
        }
        Ok(true)
    }

    /// The matchConditions the manifests carry, run by a CEL interpreter,
    /// select exactly the requests `palisade run` applies the profile to:
    /// every kind of subject, namespaced and cluster-wide grants, and pods,
    /// workloads and CronJobs with and without a service account.
    #[test]
    fn match_conditions_select_what_the_scope_matches() {
        let sa = |namespace: &str, name: &str| Subject::ServiceAccount {
            namespace: namespace.into(),
            name: name.into(),
        };
        let user = |name: &str| Subject::User { name: name.into() };
        let grant = |namespace: Option<&str>, subjects: Vec<Subject>| Grant {
            namespace: namespace.map(str::to_owned),
            subjects,
        };
        let scopes = [
            vec![grant(Some("team-a"), vec![sa("team-a", "builder")])],
            vec![grant(None, vec![sa("team-a", "builder")])],
            vec![grant(Some("team-a"), vec![user("alice"), group("ops")])],
            vec![grant(None, vec![group("system:serviceaccounts:team-b")])],
            vec![grant(Some("team-b"), vec![group("system:serviceaccounts")])],
            vec![
                grant(Some("team-a"), vec![sa("team-b", "deployer")]),
                grant(None, vec![user("o'brien")]),
            ],
            vec![grant(Some("team-a"), vec![])],
        ];
        let spec_with = |account: Option<(&str, &str)>| {
            let mut spec = json!({"containers": [{"name": "c", "image": "nginx"}]});
            if let Some((field, name)) = account {
                spec[field] = json!(name);
            }
            spec
        };
        let mut objects = Vec::new();
        for account in [
            None,
            Some(("serviceAccountName", "builder")),
            Some(("serviceAccountName", "deployer")),
            Some(("serviceAccount", "builder")),
        ] {
            let spec = spec_with(account);
            objects.push(json!({"kind": "Pod", "spec": spec}));
            objects.push(json!({"kind": "Deployment", "spec": {"template": {"spec": spec}}}));
            objects.push(json!({"kind": "CronJob",
                "spec": {"jobTemplate": {"spec": {"template": {"spec": spec}}}}}));
        }
        let mut compared = 0;
        for grants in scopes {
            let scope = Scope {
                grants,
                object_selector: None,
            };
            let mut spec = json!({});
            scope.apply(&mut spec);
            for namespace in ["team-a", "team-b"] {
                for username in [
                    "alice",
                    "o'brien",
                    "system:serviceaccount:team-a:builder",
                    "system:serviceaccount:team-b:deployer",
                ] {
                    for groups in [
                        json!(["system:authenticated"]),
                        json!([
                            "ops",
                            "system:serviceaccounts",
                            "system:serviceaccounts:team-b"
                        ]),
                    ] {
                        for object in &objects {
                            let request = json!({"namespace": namespace, "operation": "CREATE",
                                "userInfo": {"username": username, "groups": groups},
                                "object": object, "oldObject": null});
                            let cel = manifest_selects(&spec, &request);
                            assert_eq!(
                                cel,
                                Ok(scope.matches(&request)),
                                "{scope:?}\n{spec}\n{request}"
                            );
                            compared += 1;
                        }
                    }
                }
            }
        }
        assert_eq!(compared, 7 * 2 * 4 * 2 * 12);
    }
}
