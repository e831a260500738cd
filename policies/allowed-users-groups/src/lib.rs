//! allowed-users-groups: the user and group IDs a pod and its containers run with.
//! Azure `k8sazureallowedusersgroups`, PSP `runAsUser`, `runAsGroup`,
//! `supplementalGroups` and `fsGroup`; settings as Kubewarden's user-group-psp.
//!
//! A Windows pod (`spec.os.name: windows`) is never required to have, nor
//! given, a `runAsUser`, `runAsGroup`, `fsGroup` or `supplementalGroups`:
//! the API server refuses those fields there. An ID it does carry is still
//! judged against the ranges, and the `runAsNonRoot` rules (valid on
//! Windows) apply to it as to any pod.

use palisade_sdk::{
    Change, ContainerRef, FieldPath, Level, Pod, Report, Rule, RuleSettings, SettingsError,
    export_rule,
};
use serde::Deserialize;
use serde_json::{Value, json};

/// How one ID is constrained.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum IdRule {
    /// Required and within the ranges; a missing ID is set to the first minimum.
    MustRunAs,
    /// Within the ranges when set; no default.
    MayRunAs,
    /// `run_as_user` only: never user 0, and runAsNonRoot when no user is set.
    MustRunAsNonRoot,
    /// Anything goes.
    #[default]
    RunAsAny,
}

/// An inclusive range of IDs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdRange {
    pub min: i64,
    pub max: i64,
}

/// The setting of one ID: `{rule, ranges, overwrite}`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdStrategy {
    pub rule: IdRule,
    #[serde(default)]
    pub ranges: Vec<IdRange>,
    /// MustRunAs only: replace any ID that differs from the default.
    #[serde(default)]
    pub overwrite: bool,
}

impl IdStrategy {
    fn allows(&self, id: i64) -> bool {
        self.ranges.iter().any(|r| r.min <= id && id <= r.max)
    }

    fn describe_ranges(&self) -> String {
        let ranges: Vec<String> = self
            .ranges
            .iter()
            .map(|r| format!("{}-{}", r.min, r.max))
            .collect();
        ranges.join(", ")
    }

    fn validate(&self, field: &str, validate_only: bool) -> Result<(), SettingsError> {
        let err =
            |suffix: &str, message: &str| SettingsError::new(format!("{field}{suffix}"), message);
        let ranged = matches!(self.rule, IdRule::MustRunAs | IdRule::MayRunAs);
        if self.rule == IdRule::MustRunAsNonRoot && field != "run_as_user" {
            return Err(err(".rule", "MustRunAsNonRoot applies to run_as_user only"));
        }
        if ranged && self.ranges.is_empty() {
            return Err(err(
                ".ranges",
                "MustRunAs and MayRunAs need at least one range",
            ));
        }
        for (i, r) in self.ranges.iter().enumerate() {
            if r.min < 0 || r.max < 0 {
                return Err(err(&format!(".ranges[{i}]"), "IDs cannot be negative"));
            }
            if r.min > r.max {
                return Err(err(&format!(".ranges[{i}]"), "min is greater than max"));
            }
        }
        if self.overwrite && self.rule != IdRule::MustRunAs {
            return Err(err(".overwrite", "overwrite applies to MustRunAs only"));
        }
        if self.overwrite && validate_only {
            return Err(err(
                ".overwrite",
                "overwrite cannot be combined with validate_only",
            ));
        }
        Ok(())
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    #[serde(default, alias = "runAsUser")]
    pub run_as_user: Option<IdStrategy>,
    #[serde(default, alias = "runAsGroup")]
    pub run_as_group: Option<IdStrategy>,
    #[serde(default, alias = "supplementalGroups")]
    pub supplemental_groups: Option<IdStrategy>,
    #[serde(default, alias = "fsGroup")]
    pub fs_group: Option<IdStrategy>,
    /// Pod Security Standards' "Running as Non-root": `runAsNonRoot: true`
    /// on every container (its own or the pod's) whatever its user, and
    /// neither `runAsNonRoot: false` nor `runAsUser: 0` at any level, even
    /// where a container overrides the pod.
    #[serde(default)]
    pub require_run_as_non_root: bool,
    /// Pod Security Admission since Kubernetes 1.35: in a pod with
    /// `spec.hostUsers: false` (its own user namespace, where UID 0 is not
    /// root on the node) neither `run_as_user: MustRunAsNonRoot` nor
    /// `require_run_as_non_root` applies, nor the mutations they make. ID
    /// ranges and the group rules still apply.
    #[serde(default)]
    pub allow_root_in_user_namespace: bool,
    /// Reject instead of setting missing or overwritten IDs.
    #[serde(default)]
    pub validate_only: bool,
}

impl Settings {
    fn must_run_as_non_root(&self) -> bool {
        self.run_as_user
            .as_ref()
            .is_some_and(|s| s.rule == IdRule::MustRunAsNonRoot)
    }
}

impl RuleSettings for Settings {
    fn validate(&self) -> Result<(), SettingsError> {
        let strategies = [
            ("run_as_user", &self.run_as_user),
            ("run_as_group", &self.run_as_group),
            ("supplemental_groups", &self.supplemental_groups),
            ("fs_group", &self.fs_group),
        ];
        for (field, strategy) in strategies {
            if let Some(strategy) = strategy {
                strategy.validate(field, self.validate_only)?;
            }
        }
        if self.allow_root_in_user_namespace
            && !self.require_run_as_non_root
            && !self.must_run_as_non_root()
        {
            return Err(SettingsError::new(
                "allow_root_in_user_namespace",
                "relaxes only run_as_user.rule MustRunAsNonRoot and require_run_as_non_root, and neither is set",
            ));
        }
        Ok(())
    }

    fn validate_only(&self) -> bool {
        self.validate_only
    }
}

pub struct AllowedUsersGroups;

impl Rule for AllowedUsersGroups {
    const NAME: &'static str = "allowed-users-groups";
    type Settings = Settings;

    fn check(settings: &Settings, pod: &Pod, report: &mut Report) {
        // UID 0 in the pod's own user namespace is not root on the node.
        let root_allowed = settings.allow_root_in_user_namespace && pod.in_user_namespace();
        // The API server refuses the ID fields on a Windows pod: none is
        // required of it or set on it (`runAsNonRoot` is valid there).
        let settable = !pod.is_windows();
        if settings.require_run_as_non_root && !root_allowed {
            pss_non_root(pod, report);
        }
        for c in pod.containers() {
            let who = c.describe();
            let at = |found: Option<(i64, Level)>, field: &'static str| {
                let found = found.map(|(id, level)| (id, c.security_context_path(level, field)));
                (found, c.field_path(&["securityContext", field]))
            };
            match &settings.run_as_user {
                // With require_run_as_non_root the stricter PSS check already
                // ran; in a user namespace, when allowed, root is no concern.
                Some(s)
                    if s.rule == IdRule::MustRunAsNonRoot
                        && (settings.require_run_as_non_root || root_allowed) => {}
                Some(s) if s.rule == IdRule::MustRunAsNonRoot => non_root(&c, report),
                Some(s) => {
                    let (found, missing) = at(c.run_as_user(), "runAsUser");
                    check_id(s, &who, "runAsUser", found, missing, settable, report);
                }
                None => {}
            }
            if let Some(s) = &settings.run_as_group {
                let (found, missing) = at(c.run_as_group(), "runAsGroup");
                check_id(s, &who, "runAsGroup", found, missing, settable, report);
            }
        }
        let pod_context = pod.security_context();
        if let Some(s) = &settings.fs_group {
            let path = pod.security_context_path("fsGroup");
            let found = pod_context
                .and_then(|sc| sc.fs_group)
                .map(|id| (id, path.clone()));
            check_id(s, "the pod", "fsGroup", found, path, settable, report);
        }
        if let Some(s) = &settings.supplemental_groups {
            let groups = pod_context.map_or(&[][..], |sc| sc.supplemental_groups.as_slice());
            supplemental_groups(
                s,
                groups,
                pod.security_context_path("supplementalGroups"),
                settable,
                report,
            );
        }
    }
}

/// One ID under MustRunAs or MayRunAs: `found` is the ID and where it is,
/// `missing` where Kubernetes reads it when it is not set. Unless `settable`
/// (a Windows pod), MustRunAs neither requires nor sets nor overwrites the
/// ID: a value that is there is only judged against the ranges.
fn check_id(
    s: &IdStrategy,
    who: &str,
    field: &str,
    found: Option<(i64, FieldPath)>,
    missing: FieldPath,
    settable: bool,
    report: &mut Report,
) {
    let Some(default) = s.ranges.first().map(|r| r.min) else {
        return;
    };
    let ranges = s.describe_ranges();
    match (s.rule, found) {
        (IdRule::MustRunAs, None) if settable => {
            let reason = format!("{who} must set {field} in the allowed ranges {ranges}");
            set_once(report, missing, json!(default), reason);
        }
        (IdRule::MustRunAs, Some((id, path))) if settable && s.overwrite && id != default => {
            let reason = format!("{who} has {field} {id}, overwritten with {default}");
            set_once(report, path, json!(default), reason);
        }
        (IdRule::MustRunAs | IdRule::MayRunAs, Some((id, path))) if !s.allows(id) => {
            let message = format!("{who} has {field} {id}, outside the allowed ranges {ranges}");
            report.violation(path, message);
        }
        _ => {}
    }
}

/// MustRunAsNonRoot: user 0 is refused, and so is runAsNonRoot: false
/// without a non-zero user; with neither set, runAsNonRoot: true is added.
fn non_root(c: &ContainerRef, report: &mut Report) {
    let who = c.describe();
    match (c.run_as_user(), c.run_as_non_root()) {
        (Some((0, level)), _) => report.violation(
            c.security_context_path(level, "runAsUser"),
            format!("{who} must not run as root (runAsUser 0)"),
        ),
        (Some(_), _) | (None, Some((true, _))) => {}
        (None, Some((false, level))) => report.violation(
            c.security_context_path(level, "runAsNonRoot"),
            format!("{who} has runAsNonRoot false and no non-zero runAsUser"),
        ),
        (None, None) => report.fix(
            c.field_path(&["securityContext", "runAsNonRoot"]),
            Change::Set(json!(true)),
            format!("{who} must set runAsNonRoot true or a non-zero runAsUser"),
        ),
    }
}

/// PSS "Running as Non-root" and "Running as Non-root user", field by
/// field as Pod Security Admission reads them: levels are not merged.
fn pss_non_root(pod: &Pod, report: &mut Report) {
    let pod_context = pod.security_context();
    let pod_non_root = pod_context.and_then(|sc| sc.run_as_non_root);
    if pod_non_root == Some(false) {
        let path = pod.security_context_path("runAsNonRoot");
        report.violation(path, "the pod must not set runAsNonRoot false".to_owned());
    }
    if pod_context.and_then(|sc| sc.run_as_user) == Some(0) {
        let path = pod.security_context_path("runAsUser");
        report.violation(path, "the pod must not set runAsUser 0".to_owned());
    }
    for c in pod.containers() {
        let who = c.describe();
        let context = c.security_context();
        match (context.and_then(|sc| sc.run_as_non_root), pod_non_root) {
            (Some(false), _) => report.violation(
                c.field_path(&["securityContext", "runAsNonRoot"]),
                format!("{who} must not set runAsNonRoot false"),
            ),
            (Some(true), _) | (None, Some(true)) => {}
            (None, _) => report.fix(
                c.field_path(&["securityContext", "runAsNonRoot"]),
                Change::Set(json!(true)),
                format!("{who} must set runAsNonRoot true (its own or the pod's)"),
            ),
        }
        if context.and_then(|sc| sc.run_as_user) == Some(0) {
            report.violation(
                c.field_path(&["securityContext", "runAsUser"]),
                format!("{who} must not set runAsUser 0"),
            );
        }
    }
}

/// supplementalGroups: every group in range; MustRunAs sets `[min]` when
/// the list is empty, and with overwrite whenever it is not exactly `[min]`,
/// unless not `settable` (a Windows pod: groups are only judged).
fn supplemental_groups(
    s: &IdStrategy,
    groups: &[i64],
    path: FieldPath,
    settable: bool,
    report: &mut Report,
) {
    let Some(default) = s.ranges.first().map(|r| r.min) else {
        return;
    };
    let ranges = s.describe_ranges();
    match s.rule {
        IdRule::MustRunAs if settable && groups.is_empty() => {
            let reason =
                format!("the pod must set supplementalGroups in the allowed ranges {ranges}");
            report.fix(path, Change::Set(json!([default])), reason);
        }
        IdRule::MustRunAs if settable && s.overwrite && groups != [default] => {
            let reason =
                format!("the pod has supplementalGroups {groups:?}, overwritten with [{default}]");
            report.fix(path, Change::Set(json!([default])), reason);
        }
        IdRule::MustRunAs | IdRule::MayRunAs => {
            for (i, &group) in groups.iter().enumerate().filter(|(_, g)| !s.allows(**g)) {
                let message = format!(
                    "the pod has supplemental group {group}, outside the allowed ranges {ranges}"
                );
                report.violation(path.index(i), message);
            }
        }
        IdRule::MustRunAsNonRoot | IdRule::RunAsAny => {}
    }
}

/// Sets a field once: containers that inherit the same pod-level ID share one fix.
fn set_once(report: &mut Report, path: FieldPath, value: Value, reason: String) {
    if !report.fixes.iter().any(|f| f.path == path) {
        report.fix(path, Change::Set(value), reason);
    }
}

export_rule!(AllowedUsersGroups);

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_sdk::testing::{
        message, mutated, refusal, run, run_update, settings_error, violation_paths,
    };
    use serde_json::{Value, json};

    /// A pod with the given pod-level and container-level security contexts.
    fn pod(pod_sc: Value, sc: Value) -> Value {
        json!({"kind": "Pod", "spec": {"securityContext": pod_sc,
            "containers": [{"name": "app", "image": "nginx", "securityContext": sc}]}})
    }

    fn non_root() -> Value {
        json!({"run_as_user": {"rule": "MustRunAsNonRoot"}})
    }

    fn must(field: &str, min: i64, max: i64) -> Value {
        json!({field: {"rule": "MustRunAs", "ranges": [{"min": min, "max": max}]}})
    }

    #[test]
    fn non_root_accepts_a_non_zero_user_or_run_as_non_root() {
        for (pod_sc, sc) in [
            (json!(null), json!({"runAsUser": 2000})),
            (json!(null), json!({"runAsNonRoot": true})),
            (json!({"runAsNonRoot": true}), json!(null)),
            (
                json!(null),
                json!({"runAsUser": 2000, "runAsNonRoot": false}),
            ),
            (json!({"runAsUser": 1000}), json!(null)),
        ] {
            let out = run::<AllowedUsersGroups>(non_root(), pod(pod_sc.clone(), sc.clone()));
            assert_eq!(out["accepted"], true, "{pod_sc} {sc}: {out}");
            assert!(out["mutated_object"].is_null(), "{out}");
        }
    }

    #[test]
    fn non_root_rejects_root_where_it_is_set() {
        let out = run::<AllowedUsersGroups>(
            non_root(),
            pod(json!(null), json!({"runAsUser": 0, "runAsNonRoot": true})),
        );
        assert_eq!(
            violation_paths::<AllowedUsersGroups>(&out),
            ["spec.containers[0].securityContext.runAsUser"]
        );
        let out = run::<AllowedUsersGroups>(non_root(), pod(json!({"runAsUser": 0}), json!(null)));
        assert_eq!(
            violation_paths::<AllowedUsersGroups>(&out),
            ["spec.securityContext.runAsUser"]
        );
        assert!(message(&out).contains("container \"app\" must not run as root"));
        // A container value overrides the pod's, both ways.
        let out = run::<AllowedUsersGroups>(
            non_root(),
            pod(json!({"runAsUser": 0}), json!({"runAsUser": 1000})),
        );
        assert_eq!(out["accepted"], true);
        let out = run::<AllowedUsersGroups>(
            non_root(),
            pod(json!({"runAsUser": 1000}), json!({"runAsUser": 0})),
        );
        assert_eq!(
            violation_paths::<AllowedUsersGroups>(&out),
            ["spec.containers[0].securityContext.runAsUser"]
        );
    }

    #[test]
    fn non_root_rejects_run_as_non_root_false_without_a_user() {
        let out =
            run::<AllowedUsersGroups>(non_root(), pod(json!(null), json!({"runAsNonRoot": false})));
        assert_eq!(
            violation_paths::<AllowedUsersGroups>(&out),
            ["spec.containers[0].securityContext.runAsNonRoot"]
        );
        let out =
            run::<AllowedUsersGroups>(non_root(), pod(json!({"runAsNonRoot": false}), json!(null)));
        assert_eq!(
            violation_paths::<AllowedUsersGroups>(&out),
            ["spec.securityContext.runAsNonRoot"]
        );
    }

    #[test]
    fn non_root_sets_run_as_non_root_on_every_container_kind() {
        let object = json!({"kind": "Pod", "spec": {
            "containers": [{"name": "app", "image": "nginx"}],
            "initContainers": [{"name": "init", "image": "busybox", "securityContext": {"runAsUser": 1}}],
            "ephemeralContainers": [{"name": "debug", "image": "busybox", "securityContext": {}}]}});
        let out = run::<AllowedUsersGroups>(non_root(), object);
        assert_eq!(out["accepted"], true);
        let spec = &mutated(&out)["spec"];
        assert_eq!(
            spec["containers"][0]["securityContext"],
            json!({"runAsNonRoot": true})
        );
        assert_eq!(
            spec["initContainers"][0]["securityContext"],
            json!({"runAsUser": 1})
        );
        assert_eq!(
            spec["ephemeralContainers"][0]["securityContext"],
            json!({"runAsNonRoot": true})
        );
        assert!(spec.get("securityContext").is_none());
    }

    #[test]
    fn validate_only_rejects_instead_of_mutating() {
        let mut settings = non_root();
        settings["validate_only"] = json!(true);
        let out = run::<AllowedUsersGroups>(settings, pod(json!(null), json!(null)));
        assert_eq!(out["accepted"], false);
        assert_eq!(
            violation_paths::<AllowedUsersGroups>(&out),
            ["spec.containers[0].securityContext.runAsNonRoot"]
        );
        let mut settings = must("fs_group", 1000, 2000);
        settings["validate_only"] = json!(true);
        let out = run::<AllowedUsersGroups>(settings, pod(json!(null), json!(null)));
        assert_eq!(
            violation_paths::<AllowedUsersGroups>(&out),
            ["spec.securityContext.fsGroup"]
        );
    }

    #[test]
    fn must_run_as_sets_missing_ids_per_container_and_accepts_valid_ones() {
        let out = run::<AllowedUsersGroups>(
            must("run_as_user", 1000, 2000),
            pod(json!(null), json!(null)),
        );
        assert_eq!(
            mutated(&out)["spec"]["containers"][0]["securityContext"]["runAsUser"],
            1000
        );
        let out = run::<AllowedUsersGroups>(
            must("run_as_group", 1000, 2000),
            pod(json!(null), json!(null)),
        );
        assert_eq!(
            mutated(&out)["spec"]["containers"][0]["securityContext"]["runAsGroup"],
            1000
        );
        for sc in [
            json!({"runAsUser": 1500, "runAsGroup": 2000}),
            json!({"runAsUser": 1000, "runAsGroup": 1000}),
        ] {
            let settings = json!({"run_as_user": must("u", 1000, 2000)["u"], "run_as_group": must("g", 1000, 2000)["g"]});
            let out = run::<AllowedUsersGroups>(settings, pod(json!(null), sc));
            assert_eq!(out["accepted"], true);
            assert!(out["mutated_object"].is_null(), "{out}");
        }
        // A pod-level value counts: no container-level default is added.
        let out = run::<AllowedUsersGroups>(
            must("run_as_group", 1000, 2000),
            pod(json!({"runAsGroup": 1200}), json!(null)),
        );
        assert!(out["mutated_object"].is_null(), "{out}");
    }

    #[test]
    fn must_and_may_run_as_reject_ids_out_of_every_range() {
        let ranges = json!([{"min": 100, "max": 200}, {"min": 1000, "max": 2000}]);
        for rule in ["MustRunAs", "MayRunAs"] {
            let settings = json!({"run_as_user": {"rule": rule, "ranges": ranges},
                "runAsGroup": {"rule": rule, "ranges": ranges},
                "fsGroup": {"rule": rule, "ranges": ranges},
                "supplementalGroups": {"rule": rule, "ranges": ranges}});
            let out = run::<AllowedUsersGroups>(
                settings.clone(),
                pod(
                    json!({"runAsGroup": 50, "fsGroup": 0, "supplementalGroups": [150, 5000, 1000]}),
                    json!({"runAsUser": 300}),
                ),
            );
            assert_eq!(out["accepted"], false, "{rule}");
            assert_eq!(
                violation_paths::<AllowedUsersGroups>(&out),
                [
                    "spec.containers[0].securityContext.runAsUser",
                    "spec.securityContext.fsGroup",
                    "spec.securityContext.runAsGroup",
                    "spec.securityContext.supplementalGroups[1]",
                ],
                "{rule}"
            );
            assert!(message(&out).contains("outside the allowed ranges 100-200, 1000-2000"));
            let out = run::<AllowedUsersGroups>(
                settings,
                pod(
                    json!({"runAsGroup": 150, "fsGroup": 2000, "supplementalGroups": [100, 1999]}),
                    json!({"runAsUser": 1000}),
                ),
            );
            assert_eq!(out["accepted"], true, "{rule}: {out}");
            assert!(out["mutated_object"].is_null());
        }
    }

    #[test]
    fn may_run_as_never_mutates_missing_ids() {
        let ranges = json!([{"min": 1000, "max": 2000}]);
        let settings = json!({"run_as_user": {"rule": "MayRunAs", "ranges": ranges},
            "run_as_group": {"rule": "MayRunAs", "ranges": ranges},
            "fs_group": {"rule": "MayRunAs", "ranges": ranges},
            "supplemental_groups": {"rule": "MayRunAs", "ranges": ranges}});
        let out = run::<AllowedUsersGroups>(settings, pod(json!(null), json!(null)));
        assert_eq!(out["accepted"], true);
        assert!(out["mutated_object"].is_null());
    }

    #[test]
    fn must_run_as_sets_pod_level_groups() {
        let settings = json!({"fs_group": must("x", 3000, 4000)["x"],
            "supplemental_groups": must("x", 3000, 4000)["x"]});
        let out = run::<AllowedUsersGroups>(
            settings.clone(),
            pod(json!({"supplementalGroups": []}), json!(null)),
        );
        assert_eq!(
            mutated(&out)["spec"]["securityContext"],
            json!({"supplementalGroups": [3000], "fsGroup": 3000})
        );
        let out = run::<AllowedUsersGroups>(
            settings,
            pod(
                json!({"fsGroup": 3500, "supplementalGroups": [4000]}),
                json!(null),
            ),
        );
        assert!(out["mutated_object"].is_null());
    }

    #[test]
    fn overwrite_replaces_every_id_that_is_not_the_default() {
        let mut strategy = must("x", 1000, 2000)["x"].clone();
        strategy["overwrite"] = json!(true);
        let settings = json!({"run_as_user": strategy, "run_as_group": strategy,
            "fs_group": strategy, "supplemental_groups": strategy});
        let object = json!({"kind": "Pod", "spec": {
            "securityContext": {"runAsUser": 0, "fsGroup": 1500, "supplementalGroups": [1000, 1001]},
            "containers": [{"name": "a", "image": "nginx", "securityContext": {"runAsGroup": 1000}},
                           {"name": "b", "image": "nginx", "securityContext": {"runAsGroup": 5}}]}});
        let out = run::<AllowedUsersGroups>(settings.clone(), object);
        assert_eq!(out["accepted"], true, "{out}");
        let spec = &mutated(&out)["spec"];
        assert_eq!(
            spec["securityContext"],
            json!({"runAsUser": 1000, "fsGroup": 1000, "supplementalGroups": [1000]})
        );
        assert_eq!(
            spec["containers"][0]["securityContext"],
            json!({"runAsGroup": 1000})
        );
        assert_eq!(
            spec["containers"][1]["securityContext"],
            json!({"runAsGroup": 1000})
        );
        // The pod-level user both containers inherit is one mutation, not two.
        let mutations = out["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|w| {
                w.as_str()
                    .unwrap()
                    .contains("spec.securityContext.runAsUser")
            })
            .count();
        assert_eq!(mutations, 1, "{out}");
        // Already the defaults: nothing to do.
        let object = pod(
            json!({"runAsUser": 1000, "fsGroup": 1000, "supplementalGroups": [1000]}),
            json!({"runAsGroup": 1000}),
        );
        assert!(run::<AllowedUsersGroups>(settings, object)["mutated_object"].is_null());
    }

    #[test]
    fn run_as_any_and_absent_settings_check_nothing() {
        let object = pod(
            json!({"runAsUser": 0, "fsGroup": 0, "supplementalGroups": [0]}),
            json!({"runAsGroup": 0, "runAsNonRoot": false}),
        );
        for settings in [
            json!({}),
            json!({"run_as_user": {"rule": "RunAsAny"},
            "run_as_group": {"rule": "RunAsAny", "ranges": [{"min": 1, "max": 2}]},
            "fs_group": {"rule": "RunAsAny"}, "supplemental_groups": {"rule": "RunAsAny"}}),
        ] {
            let out = run::<AllowedUsersGroups>(settings, object.clone());
            assert_eq!(out["accepted"], true);
            assert!(out["mutated_object"].is_null());
        }
    }

    #[test]
    fn exemptions_apply() {
        let object = pod(json!(null), json!({"runAsUser": 0}));
        let mut settings = non_root();
        settings["exempt_container_names"] = json!(["app"]);
        assert_eq!(
            run::<AllowedUsersGroups>(settings, object.clone())["accepted"],
            true
        );
        let mut settings = non_root();
        settings["excludedImages"] = json!(["nginx*"]);
        assert_eq!(
            run::<AllowedUsersGroups>(settings, object.clone())["accepted"],
            true
        );
        let mut settings = non_root();
        settings["exempt_namespaces"] = json!(["default"]);
        assert_eq!(
            run::<AllowedUsersGroups>(settings, object)["accepted"],
            true
        );
    }

    #[test]
    fn updates_do_not_block_on_preexisting_ids() {
        let old = pod(json!(null), json!({"runAsUser": 0}));
        let mut new = old.clone();
        new["metadata"] = json!({"labels": {"tier": "web"}});
        let out = run_update::<AllowedUsersGroups>(non_root(), new.clone(), old);
        assert_eq!(out["accepted"], true);
        assert!(out["warnings"][0].as_str().unwrap().contains("preexisting"));
        let fresh =
            run_update::<AllowedUsersGroups>(non_root(), new, pod(json!(null), json!(null)));
        assert_eq!(fresh["accepted"], false);
    }

    #[test]
    fn azure_aliases_are_read() {
        let out = run::<AllowedUsersGroups>(
            json!({"runAsUser": {"rule": "MustRunAsNonRoot"}}),
            pod(json!(null), json!({"runAsUser": 0})),
        );
        assert_eq!(out["accepted"], false);
    }

    #[test]
    fn settings_are_refused_by_field() {
        let cases = [
            (
                json!({"run_as_user": {"rule": "MustRunAs"}}),
                "run_as_user.ranges",
            ),
            (
                json!({"fs_group": {"rule": "MayRunAs", "ranges": []}}),
                "fs_group.ranges",
            ),
            (
                json!({"run_as_group": {"rule": "MayRunAs", "ranges": [{"min": 5, "max": 1}]}}),
                "run_as_group.ranges[0]: min is greater",
            ),
            (
                json!({"supplemental_groups": {"rule": "MustRunAs", "ranges": [{"min": 1, "max": 2}, {"min": -1, "max": 2}]}}),
                "supplemental_groups.ranges[1]: IDs cannot be negative",
            ),
            (
                json!({"run_as_user": {"rule": "MustRunAs", "ranges": [{"min": 1, "max": 2}], "overwrite": true}, "validate_only": true}),
                "run_as_user.overwrite",
            ),
            (
                json!({"run_as_user": {"rule": "MayRunAs", "ranges": [{"min": 1, "max": 2}], "overwrite": true}}),
                "overwrite applies to MustRunAs only",
            ),
            (
                json!({"run_as_group": {"rule": "MustRunAsNonRoot"}}),
                "run_as_group.rule",
            ),
            (
                json!({"fsGroup": {"rule": "MustRunAsNonRoot"}}),
                "fs_group.rule",
            ),
            (
                json!({"run_as_user": {"rule": "MustRunAsRoot"}}),
                "MustRunAsRoot",
            ),
            (json!({"run_as_user": {"ranges": []}}), "rule"),
            (
                json!({"run_as_user": {"rule": "MayRunAs", "ranges": [{"min": 1}]}}),
                "max",
            ),
            (
                json!({"run_as_user": {"rule": "RunAsAny", "range": []}}),
                "range",
            ),
            (json!({"validateOnly": true}), "validateOnly"),
        ];
        for (settings, expected) in cases {
            let message = refusal::<AllowedUsersGroups>(settings);
            assert!(
                message.contains(expected),
                "{message} does not contain {expected}"
            );
        }
        let valid = json!({"run_as_user": {"rule": "MustRunAsNonRoot"}, "fs_group": null,
            "validate_only": true});
        assert_eq!(settings_error::<AllowedUsersGroups>(valid), None);
    }

    fn pss() -> Value {
        json!({"run_as_user": {"rule": "MustRunAsNonRoot"}, "require_run_as_non_root": true,
               "validate_only": true})
    }

    #[test]
    fn pss_non_root_wants_run_as_non_root_even_with_a_user() {
        let out = run::<AllowedUsersGroups>(pss(), pod(json!(null), json!({"runAsUser": 2000})));
        assert_eq!(
            violation_paths::<AllowedUsersGroups>(&out),
            ["spec.containers[0].securityContext.runAsNonRoot"]
        );
        // The PSP rule alone accepts the same pod.
        let out =
            run::<AllowedUsersGroups>(non_root(), pod(json!(null), json!({"runAsUser": 2000})));
        assert_eq!(out["accepted"], true);
        for (pod_sc, sc) in [
            (json!({"runAsNonRoot": true}), json!(null)),
            (
                json!(null),
                json!({"runAsNonRoot": true, "runAsUser": 1000}),
            ),
            (json!({"runAsNonRoot": true}), json!({"runAsUser": 1000})),
        ] {
            let out = run::<AllowedUsersGroups>(pss(), pod(pod_sc.clone(), sc.clone()));
            assert_eq!(out["accepted"], true, "{pod_sc} {sc}: {out}");
        }
    }

    #[test]
    fn pss_non_root_reads_each_level_without_merging() {
        // A pod-level runAsUser 0 or runAsNonRoot false is refused even when
        // the container overrides it, as Pod Security Admission does.
        let out = run::<AllowedUsersGroups>(
            pss(),
            pod(
                json!({"runAsUser": 0, "runAsNonRoot": false}),
                json!({"runAsUser": 1000, "runAsNonRoot": true}),
            ),
        );
        assert_eq!(
            violation_paths::<AllowedUsersGroups>(&out),
            [
                "spec.securityContext.runAsNonRoot",
                "spec.securityContext.runAsUser"
            ]
        );
        let out = run::<AllowedUsersGroups>(
            pss(),
            pod(
                json!({"runAsNonRoot": true}),
                json!({"runAsUser": 0, "runAsNonRoot": false}),
            ),
        );
        assert_eq!(
            violation_paths::<AllowedUsersGroups>(&out),
            [
                "spec.containers[0].securityContext.runAsNonRoot",
                "spec.containers[0].securityContext.runAsUser"
            ]
        );
        assert!(message(&out).contains("must not set runAsUser 0"));
    }

    #[test]
    fn pss_non_root_mutates_without_validate_only() {
        let settings = json!({"require_run_as_non_root": true});
        let out = run::<AllowedUsersGroups>(settings, pod(json!(null), json!({"runAsUser": 5})));
        let object = mutated(&out);
        assert_eq!(
            object["spec"]["containers"][0]["securityContext"]["runAsNonRoot"],
            true
        );
        assert_eq!(
            object["spec"]["containers"][0]["securityContext"]["runAsUser"],
            5
        );
    }

    /// [`pod`] with `spec.os.name: os`.
    fn pod_on(os: &str, pod_sc: Value, sc: Value) -> Value {
        let mut object = pod(pod_sc, sc);
        object["spec"]["os"] = json!({"name": os});
        object
    }

    /// MustRunAs 1-65535 for all four IDs, as the Azure restricted
    /// initiative and (for the groups) the AKS restricted PSP set them.
    fn must_run_as_everything() -> Value {
        let range = json!({"rule": "MustRunAs", "ranges": [{"min": 1, "max": 65535}]});
        json!({"run_as_user": range.clone(), "run_as_group": range.clone(),
               "supplemental_groups": range.clone(), "fs_group": range})
    }

    #[test]
    fn windows_pods_are_neither_required_nor_given_ids() {
        let mut strict = must_run_as_everything();
        strict["validate_only"] = json!(true);
        let mut aks = must_run_as_everything();
        aks["run_as_user"] = json!({"rule": "MustRunAsNonRoot"});
        for settings in [must_run_as_everything(), strict, aks] {
            for (pod_sc, sc) in [
                (json!({"runAsNonRoot": true}), json!(null)),
                (
                    json!({"windowsOptions": {"runAsUserName": "ContainerUser"}}),
                    json!({"runAsNonRoot": true}),
                ),
            ] {
                let object = pod_on("windows", pod_sc.clone(), sc.clone());
                let out = run::<AllowedUsersGroups>(settings.clone(), object);
                assert_eq!(out["accepted"], true, "{settings} {pod_sc} {sc}: {out}");
                assert!(out["mutated_object"].is_null(), "{settings}: {out}");
                assert!(out["warnings"].is_null(), "{settings}: {out}");
            }
        }
        // The same pod on Linux gets every ID.
        let object = pod_on("linux", json!({"runAsNonRoot": true}), json!(null));
        let out = run::<AllowedUsersGroups>(must_run_as_everything(), object);
        let spec = &mutated(&out)["spec"];
        assert_eq!(
            spec["securityContext"],
            json!({"runAsNonRoot": true, "fsGroup": 1, "supplementalGroups": [1]})
        );
        assert_eq!(
            spec["containers"][0]["securityContext"],
            json!({"runAsUser": 1, "runAsGroup": 1})
        );
    }

    #[test]
    fn windows_pods_still_have_the_ids_they_carry_judged() {
        let object = || {
            pod_on(
                "windows",
                json!({"runAsNonRoot": true, "fsGroup": 0, "supplementalGroups": [5, 0]}),
                json!({"runAsUser": 70000, "runAsGroup": 0}),
            )
        };
        let mut strict = must_run_as_everything();
        strict["validate_only"] = json!(true);
        let mut may = must_run_as_everything();
        for field in [
            "run_as_user",
            "run_as_group",
            "supplemental_groups",
            "fs_group",
        ] {
            may[field]["rule"] = json!("MayRunAs");
        }
        for settings in [must_run_as_everything(), strict, may] {
            let out = run::<AllowedUsersGroups>(settings.clone(), object());
            assert_eq!(
                violation_paths::<AllowedUsersGroups>(&out),
                [
                    "spec.containers[0].securityContext.runAsGroup",
                    "spec.containers[0].securityContext.runAsUser",
                    "spec.securityContext.fsGroup",
                    "spec.securityContext.supplementalGroups[1]",
                ],
                "{settings}"
            );
            assert!(
                message(&out).contains(
                    "container \"app\" has runAsUser 70000, outside the allowed ranges 1-65535"
                ),
                "{out}"
            );
        }
        // In range: accepted as it is.
        let object = pod_on(
            "windows",
            json!({"fsGroup": 2000, "supplementalGroups": [2000]}),
            json!({"runAsUser": 1000, "runAsGroup": 1000}),
        );
        let out = run::<AllowedUsersGroups>(must_run_as_everything(), object);
        assert_eq!(out["accepted"], true, "{out}");
        assert!(out["mutated_object"].is_null(), "{out}");
    }

    #[test]
    fn overwrite_does_not_rewrite_a_windows_pod_but_still_judges_it() {
        let mut settings = must_run_as_everything();
        for field in [
            "run_as_user",
            "run_as_group",
            "supplemental_groups",
            "fs_group",
        ] {
            settings[field]["ranges"] = json!([{"min": 1000, "max": 1999}]);
            settings[field]["overwrite"] = json!(true);
        }
        // In range but not the default: a Linux pod is rewritten, a Windows
        // pod is left as it is.
        let ids = || {
            (
                json!({"fsGroup": 1500, "supplementalGroups": [1500, 1600]}),
                json!({"runAsUser": 1500, "runAsGroup": 1500}),
            )
        };
        let (pod_sc, sc) = ids();
        let out = run::<AllowedUsersGroups>(settings.clone(), pod_on("windows", pod_sc, sc));
        assert_eq!(out["accepted"], true, "{out}");
        assert!(out["mutated_object"].is_null(), "{out}");
        let (pod_sc, sc) = ids();
        let out = run::<AllowedUsersGroups>(settings.clone(), pod_on("linux", pod_sc, sc));
        let spec = &mutated(&out)["spec"];
        assert_eq!(
            spec["securityContext"],
            json!({"fsGroup": 1000, "supplementalGroups": [1000]})
        );
        // Out of range: a Windows pod is rejected instead of overwritten.
        let object = pod_on(
            "windows",
            json!({"fsGroup": 0, "supplementalGroups": [0]}),
            json!({"runAsUser": 0, "runAsGroup": 0}),
        );
        let out = run::<AllowedUsersGroups>(settings, object);
        assert_eq!(
            violation_paths::<AllowedUsersGroups>(&out),
            [
                "spec.containers[0].securityContext.runAsGroup",
                "spec.containers[0].securityContext.runAsUser",
                "spec.securityContext.fsGroup",
                "spec.securityContext.supplementalGroups[0]",
            ]
        );
    }

    #[test]
    fn windows_pods_still_must_run_as_non_root() {
        // runAsNonRoot is valid on Windows: MustRunAsNonRoot and
        // require_run_as_non_root still set it, and still refuse root.
        for settings in [
            non_root(),
            json!({"require_run_as_non_root": true}),
            json!({"run_as_user": {"rule": "MustRunAsNonRoot"}, "require_run_as_non_root": true}),
        ] {
            let object = pod_on("windows", json!(null), json!(null));
            let out = run::<AllowedUsersGroups>(settings.clone(), object);
            let object = mutated(&out);
            assert_eq!(
                object["spec"]["containers"][0]["securityContext"],
                json!({"runAsNonRoot": true}),
                "{settings}"
            );
            assert!(object["spec"]["securityContext"].is_null(), "{settings}");
            let object = pod_on("windows", json!(null), json!({"runAsUser": 0}));
            let out = run::<AllowedUsersGroups>(settings.clone(), object);
            assert!(
                violation_paths::<AllowedUsersGroups>(&out)
                    .contains(&"spec.containers[0].securityContext.runAsUser".to_owned()),
                "{settings}: {out}"
            );
            let object = pod_on("windows", json!({"runAsNonRoot": false}), json!(null));
            let out = run::<AllowedUsersGroups>(settings.clone(), object);
            assert!(
                violation_paths::<AllowedUsersGroups>(&out)
                    .contains(&"spec.securityContext.runAsNonRoot".to_owned()),
                "{settings}: {out}"
            );
        }
        // PSS restricted, validating: a Windows pod without runAsNonRoot is refused.
        let out = run::<AllowedUsersGroups>(pss(), pod_on("windows", json!(null), json!(null)));
        assert_eq!(
            violation_paths::<AllowedUsersGroups>(&out),
            ["spec.containers[0].securityContext.runAsNonRoot"]
        );
    }

    #[test]
    fn only_a_pod_named_exactly_windows_is_spared_the_ids() {
        let mut strict = must_run_as_everything();
        strict["validate_only"] = json!(true);
        let all_missing = [
            "spec.containers[0].securityContext.runAsGroup",
            "spec.containers[0].securityContext.runAsUser",
            "spec.securityContext.fsGroup",
            "spec.securityContext.supplementalGroups",
        ];
        for os in ["linux", "Windows", "WINDOWS", " windows", "windows ", ""] {
            let out = run::<AllowedUsersGroups>(
                strict.clone(),
                pod_on(os, json!({"runAsNonRoot": true}), json!(null)),
            );
            assert_eq!(
                violation_paths::<AllowedUsersGroups>(&out),
                all_missing,
                "{os:?}"
            );
        }
        let mut no_name = pod(json!({"runAsNonRoot": true}), json!(null));
        no_name["spec"]["os"] = json!({});
        for object in [pod(json!({"runAsNonRoot": true}), json!(null)), no_name] {
            let out = run::<AllowedUsersGroups>(strict.clone(), object);
            assert_eq!(violation_paths::<AllowedUsersGroups>(&out), all_missing);
        }
    }

    #[test]
    fn a_windows_workload_template_is_given_no_ids() {
        let deployment = |os: &str| {
            json!({"apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": {"name": "iis", "namespace": "default"},
                "spec": {"template": {"spec": {"os": {"name": os},
                    "securityContext": {"runAsNonRoot": true},
                    "containers": [{"name": "iis",
                        "image": "mcr.microsoft.com/windows/servercore/iis"}]}}}})
        };
        let out = run::<AllowedUsersGroups>(must_run_as_everything(), deployment("windows"));
        assert_eq!(out["accepted"], true, "{out}");
        assert!(out["mutated_object"].is_null(), "{out}");
        let out = run::<AllowedUsersGroups>(must_run_as_everything(), deployment("linux"));
        assert_eq!(
            mutated(&out)["spec"]["template"]["spec"]["securityContext"]["fsGroup"],
            1
        );
    }

    /// [`pod`] with `spec.hostUsers` set to `host_users` (absent for `null`).
    fn pod_with_host_users(host_users: Value, pod_sc: Value, sc: Value) -> Value {
        let mut object = pod(pod_sc, sc);
        if !host_users.is_null() {
            object["spec"]["hostUsers"] = host_users;
        }
        object
    }

    fn with_user_namespace(mut settings: Value) -> Value {
        settings["allow_root_in_user_namespace"] = json!(true);
        settings
    }

    #[test]
    fn user_namespace_setting_relaxes_pss_non_root_for_host_users_false() {
        let root = || {
            pod_with_host_users(
                json!(false),
                json!({"runAsUser": 0, "runAsNonRoot": false}),
                json!({"runAsUser": 0, "runAsNonRoot": false}),
            )
        };
        let out = run::<AllowedUsersGroups>(with_user_namespace(pss()), root());
        assert_eq!(out["accepted"], true, "{out}");
        assert!(out["mutated_object"].is_null(), "{out}");
        // Without the setting the same pod is rejected at every level.
        let out = run::<AllowedUsersGroups>(pss(), root());
        assert_eq!(
            violation_paths::<AllowedUsersGroups>(&out),
            [
                "spec.containers[0].securityContext.runAsNonRoot",
                "spec.containers[0].securityContext.runAsUser",
                "spec.securityContext.runAsNonRoot",
                "spec.securityContext.runAsUser",
            ]
        );
        // hostUsers true or unset: the host's user namespace, still rejected.
        for host_users in [json!(true), json!(null)] {
            let object = pod_with_host_users(
                host_users.clone(),
                json!(null),
                json!({"runAsUser": 0, "runAsNonRoot": true}),
            );
            let out = run::<AllowedUsersGroups>(with_user_namespace(pss()), object);
            assert_eq!(
                violation_paths::<AllowedUsersGroups>(&out),
                ["spec.containers[0].securityContext.runAsUser"],
                "{host_users}"
            );
        }
    }

    #[test]
    fn user_namespace_setting_skips_the_mutations_too() {
        // Neither require_run_as_non_root nor MustRunAsNonRoot sets
        // runAsNonRoot on a pod in a user namespace.
        for settings in [
            json!({"require_run_as_non_root": true}),
            non_root(),
            json!({"run_as_user": {"rule": "MustRunAsNonRoot"}, "require_run_as_non_root": true}),
        ] {
            let object = pod_with_host_users(json!(false), json!(null), json!(null));
            let out = run::<AllowedUsersGroups>(with_user_namespace(settings.clone()), object);
            assert_eq!(out["accepted"], true, "{settings}");
            assert!(out["mutated_object"].is_null(), "{settings}: {out}");
            // The same pod in the host's user namespace is mutated.
            let object = pod_with_host_users(json!(true), json!(null), json!(null));
            let out = run::<AllowedUsersGroups>(with_user_namespace(settings.clone()), object);
            assert_eq!(
                mutated(&out)["spec"]["containers"][0]["securityContext"]["runAsNonRoot"],
                true,
                "{settings}"
            );
        }
    }

    #[test]
    fn user_namespace_setting_relaxes_the_psp_non_root_rule() {
        let object = pod_with_host_users(json!(false), json!({"runAsUser": 0}), json!(null));
        let out = run::<AllowedUsersGroups>(with_user_namespace(non_root()), object);
        assert_eq!(out["accepted"], true, "{out}");
        let object = pod_with_host_users(json!(false), json!({"runAsUser": 0}), json!(null));
        let out = run::<AllowedUsersGroups>(non_root(), object);
        assert_eq!(
            violation_paths::<AllowedUsersGroups>(&out),
            ["spec.securityContext.runAsUser"]
        );
    }

    #[test]
    fn user_namespace_setting_keeps_ranges_and_group_rules() {
        let mut settings = with_user_namespace(pss());
        settings["run_as_group"] = must("g", 1000, 1999)["g"].clone();
        settings["fs_group"] = must("g", 1000, 1999)["g"].clone();
        settings["supplemental_groups"] = must("g", 1000, 1999)["g"].clone();
        let object = pod_with_host_users(
            json!(false),
            json!({"fsGroup": 0, "supplementalGroups": [0]}),
            json!({"runAsUser": 0, "runAsGroup": 0}),
        );
        let out = run::<AllowedUsersGroups>(settings, object);
        assert_eq!(
            violation_paths::<AllowedUsersGroups>(&out),
            [
                "spec.containers[0].securityContext.runAsGroup",
                "spec.securityContext.fsGroup",
                "spec.securityContext.supplementalGroups[0]",
            ]
        );
        // MustRunAs ranges for the user still apply: root is outside them.
        let mut settings = with_user_namespace(json!({"require_run_as_non_root": true}));
        settings["run_as_user"] = must("u", 1000, 1999)["u"].clone();
        let object = pod_with_host_users(json!(false), json!(null), json!({"runAsUser": 0}));
        let out = run::<AllowedUsersGroups>(settings.clone(), object);
        assert_eq!(
            violation_paths::<AllowedUsersGroups>(&out),
            ["spec.containers[0].securityContext.runAsUser"]
        );
        assert!(message(&out).contains("runAsUser 0, outside the allowed ranges 1000-1999"));
        // ... and MustRunAs still sets a missing user.
        let object = pod_with_host_users(json!(false), json!(null), json!(null));
        let out = run::<AllowedUsersGroups>(settings, object);
        let container = &mutated(&out)["spec"]["containers"][0]["securityContext"];
        assert_eq!(container, &json!({"runAsUser": 1000}));
    }

    #[test]
    fn user_namespace_setting_reads_a_workload_template() {
        let deployment = |host_users: bool| {
            json!({"apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": {"name": "web", "namespace": "default"},
                "spec": {"template": {"spec": {"hostUsers": host_users, "containers": [
                    {"name": "app", "image": "nginx", "securityContext": {"runAsUser": 0}}]}}}})
        };
        let out = run::<AllowedUsersGroups>(with_user_namespace(pss()), deployment(false));
        assert_eq!(out["accepted"], true, "{out}");
        let out = run::<AllowedUsersGroups>(with_user_namespace(pss()), deployment(true));
        assert_eq!(
            violation_paths::<AllowedUsersGroups>(&out),
            [
                "spec.template.spec.containers[0].securityContext.runAsNonRoot",
                "spec.template.spec.containers[0].securityContext.runAsUser",
            ]
        );
    }

    #[test]
    fn user_namespace_setting_needs_a_non_root_rule() {
        for settings in [
            json!({"allow_root_in_user_namespace": true}),
            json!({"allow_root_in_user_namespace": true,
                   "run_as_user": {"rule": "MustRunAs", "ranges": [{"min": 1, "max": 9}]}}),
        ] {
            let message = refusal::<AllowedUsersGroups>(settings);
            assert!(
                message.contains("allow_root_in_user_namespace: relaxes only"),
                "{message}"
            );
        }
        for settings in [
            with_user_namespace(non_root()),
            with_user_namespace(json!({"require_run_as_non_root": true})),
            json!({"allow_root_in_user_namespace": false}),
        ] {
            assert_eq!(
                settings_error::<AllowedUsersGroups>(settings.clone()),
                None,
                "{settings}"
            );
        }
        let message = refusal::<AllowedUsersGroups>(json!({"allow_root_in_user_namespace": "yes"}));
        assert!(
            message.contains("allow_root_in_user_namespace"),
            "{message}"
        );
    }
}
