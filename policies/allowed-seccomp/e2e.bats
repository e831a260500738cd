#!/usr/bin/env bats
# Generated from test_data/cases.yml by `palisade bats`; do not edit.
# Run with kwctl: POLICY_WASM=annotated-policy.wasm bats e2e.bats

bats_require_minimum_version 1.5.0

policy() { echo "${POLICY_WASM:-annotated-policy.wasm}"; }

@test 'allowed-seccomp: a pod-level RuntimeDefault profile is accepted' {
  run --separate-stderr kwctl run --request-path test_data/pod_runtime_default.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-seccomp: with require_profile, a pod-level profile covers every container' {
  run --separate-stderr kwctl run --request-path test_data/pod_runtime_default.json --settings-json '{"require_profile":true}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-seccomp: a container seccompProfile of type Unconfined is rejected by default' {
  run --separate-stderr kwctl run --request-path test_data/pod_unconfined_field.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].securityContext.seccompProfile'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-seccomp: Unconfined is accepted when allowed (Azure spelling)' {
  run --separate-stderr kwctl run --request-path test_data/pod_unconfined_field.json --settings-json '{"allowedProfiles":["unconfined","runtime/default"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-seccomp: `*` allows every profile' {
  run --separate-stderr kwctl run --request-path test_data/pod_unconfined_field.json --settings-json '{"allowed_profiles":["*"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-seccomp: an exempt image pattern is skipped' {
  run --separate-stderr kwctl run --request-path test_data/pod_unconfined_field.json --settings-json '{"exempt_images":["registry.example.com/tools/*"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-seccomp: an unconfined container annotation is rejected even though the field says RuntimeDefault' {
  run --separate-stderr kwctl run --request-path test_data/pod_disagreeing.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'metadata.annotations["container.seccomp.security.alpha.kubernetes.io/api"]'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-seccomp: with the container exempt, its annotation is not checked' {
  run --separate-stderr kwctl run --request-path test_data/pod_disagreeing.json --settings-json '{"exempt_container_names":["api"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-seccomp: a pod without any profile is accepted by default (PSS baseline)' {
  run --separate-stderr kwctl run --request-path test_data/pod_unset.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-seccomp: with require_profile, each container without a profile is rejected at its securityContext' {
  run --separate-stderr kwctl run --request-path test_data/pod_unset.json --settings-json '{"require_profile":true}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.initContainers[0].securityContext'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].securityContext'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-seccomp: default_profile sets the pod-level seccompProfile' {
  run --separate-stderr kwctl run --request-path test_data/pod_unset.json --settings-json '{"default_profile":"runtime/default","require_profile":true}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output" | base64 -d | jq -cS .)" = '[{"op":"add","path":"/spec/securityContext","value":{"seccompProfile":{"type":"RuntimeDefault"}}}]' ]
  jq -e --arg t 'mutated: set spec.securityContext.seccompProfile to' 'any(.warnings[]; contains($t))' <<<"$output"
}

@test 'allowed-seccomp: with validate_only, the missing pod-level profile is rejected instead of set' {
  run --separate-stderr kwctl run --request-path test_data/pod_unset.json --settings-json '{"default_profile":"RuntimeDefault","validate_only":true}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.securityContext.seccompProfile'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-seccomp: a Localhost profile is matched exactly, never by suffix' {
  run --separate-stderr kwctl run --request-path test_data/pod_localhost.json --settings-json '{"allowed_profiles":["localhost/profiles/audit.json"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'metadata.annotations["container.seccomp.security.alpha.kubernetes.io/setup"]'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-seccomp: localhost/* allows every Localhost profile, field or annotation' {
  run --separate-stderr kwctl run --request-path test_data/pod_localhost.json --settings-json '{"allowed_profiles":["localhost/*"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-seccomp: a Deployment'\''s pod annotation unconfined is rejected at its template path' {
  run --separate-stderr kwctl run --request-path test_data/deployment_pod_annotation_unconfined.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.template.metadata.annotations["seccomp.security.alpha.kubernetes.io/pod"]'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-seccomp: Kubewarden profile_types and localhost_profiles allow the listed Localhost file' {
  run --separate-stderr kwctl run --request-path test_data/deployment_localhost_field.json --settings-json '{"profile_types":["RuntimeDefault","Localhost"],"localhost_profiles":["operator/payments/payments.json"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-seccomp: Azure allowedLocalhostFiles without the Deployment'\''s file rejects it at the pod-level field' {
  run --separate-stderr kwctl run --request-path test_data/deployment_localhost_field.json --settings-json '{"allowedProfiles":["RuntimeDefault","Localhost"],"allowedLocalhostFiles":["operator/payments/payments-v2.json"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.template.spec.securityContext.seccompProfile'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-seccomp: with require_profile, a CronJob without a profile is rejected at its job template path' {
  run --separate-stderr kwctl run --request-path test_data/cronjob_unset.json --settings-json '{"require_profile":true}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.jobTemplate.spec.template.spec.containers[0].securityContext'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-seccomp: default_profile sets a Localhost profile on a CronJob'\''s pod template' {
  run --separate-stderr kwctl run --request-path test_data/cronjob_unset.json --settings-json '{"default_profile":"localhost/profiles/audit.json"}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output" | base64 -d | jq -cS .)" = '[{"op":"add","path":"/spec/jobTemplate/spec/template/spec/securityContext","value":{"seccompProfile":{"localhostProfile":"profiles/audit.json","type":"Localhost"}}}]' ]
}

@test 'allowed-seccomp: a relabelling UPDATE of a pod already unconfined is accepted with a warning' {
  run --separate-stderr kwctl run --request-path test_data/pod_update_preexisting.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
  jq -e --arg t 'preexisting, not blocking this update' 'any(.warnings[]; contains($t))' <<<"$output"
}

@test 'allowed-seccomp: a scaling UPDATE of a Deployment that already lacked a profile is left unchanged' {
  run --separate-stderr kwctl run --request-path test_data/deployment_update_preexisting.json --settings-json '{"default_profile":"RuntimeDefault"}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
  jq -e --arg t 'preexisting, left unchanged on update' 'any(.warnings[]; contains($t))' <<<"$output"
}

@test 'allowed-seccomp: with require_profile, kubectl debug adding an ephemeral container without a profile is rejected' {
  run --separate-stderr kwctl run --request-path test_data/pod_ephemeral_debug.json --settings-json '{"require_profile":true}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.ephemeralContainers[0].securityContext'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-seccomp: kubectl debug'\''s ephemeral container gets the default profile in its own securityContext' {
  run --separate-stderr kwctl run --request-path test_data/pod_ephemeral_debug.json --settings-json '{"default_profile":"RuntimeDefault"}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output" | base64 -d | jq -cS .)" = '[{"op":"add","path":"/spec/ephemeralContainers/0/securityContext","value":{"seccompProfile":{"type":"RuntimeDefault"}}}]' ]
  jq -e --arg t 'mutated: set spec.ephemeralContainers[0].securityContext.seccompProfile to' 'any(.warnings[]; contains($t))' <<<"$output"
}

@test 'allowed-seccomp: an unconfined container annotation is still rejected by default (legacy_annotations true)' {
  run --separate-stderr kwctl run --request-path test_data/pod_legacy_annotations.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'metadata.annotations["container.seccomp.security.alpha.kubernetes.io/worker"]'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-seccomp: with legacy_annotations false, an unconfined annotation is ignored, as Pod Security Admission does' {
  run --separate-stderr kwctl run --request-path test_data/pod_legacy_annotations.json --settings-json '{"legacy_annotations":false}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-seccomp: the pss-baseline settings admit an unconfined annotation' {
  run --separate-stderr kwctl run --request-path test_data/pod_legacy_annotations.json --settings-json '{"allowed_profiles":["RuntimeDefault","localhost/*"],"legacy_annotations":false}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-seccomp: with legacy_annotations false, a runtime/default pod annotation does not satisfy require_profile' {
  run --separate-stderr kwctl run --request-path test_data/pod_legacy_annotations.json --settings-json '{"allowed_profiles":["RuntimeDefault","localhost/*"],"require_profile":true,"legacy_annotations":false}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].securityContext'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-seccomp: with legacy_annotations false, default_profile sets the field despite the pod annotation' {
  run --separate-stderr kwctl run --request-path test_data/pod_legacy_annotations.json --settings-json '{"default_profile":"RuntimeDefault","legacy_annotations":false}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output" | base64 -d | jq -cS .)" = '[{"op":"add","path":"/spec/securityContext","value":{"seccompProfile":{"type":"RuntimeDefault"}}}]' ]
}

@test 'allowed-seccomp: a Windows pod without a seccomp profile is admitted under require_profile' {
  run --separate-stderr kwctl run --request-path test_data/pod_windows_unset.json --settings-json '{"require_profile":true}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-seccomp: the pss-restricted settings admit a Windows pod without a seccomp profile' {
  run --separate-stderr kwctl run --request-path test_data/pod_windows_unset.json --settings-json '{"allowed_profiles":["RuntimeDefault","localhost/*"],"require_profile":true,"legacy_annotations":false}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-seccomp: default_profile never sets a seccomp profile on a Windows pod' {
  run --separate-stderr kwctl run --request-path test_data/pod_windows_unset.json --settings-json '{"default_profile":"RuntimeDefault"}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-seccomp: with validate_only, a Windows pod without a profile is not rejected' {
  run --separate-stderr kwctl run --request-path test_data/pod_windows_unset.json --settings-json '{"default_profile":"RuntimeDefault","validate_only":true}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-seccomp: an empty allowed list is refused' {
  run --separate-stderr kwctl run --request-path test_data/pod_unset.json --settings-json '{"allowed_profiles":[]}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'allowed_profiles: is empty'* ]]
}

@test 'allowed-seccomp: a Localhost pattern is refused' {
  run --separate-stderr kwctl run --request-path test_data/pod_unset.json --settings-json '{"allowed_profiles":["localhost/profiles/*"]}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'never matched by prefix'* ]]
}

@test 'allowed-seccomp: Localhost without localhost_profiles is refused' {
  run --separate-stderr kwctl run --request-path test_data/pod_unset.json --settings-json '{"profile_types":["Localhost"]}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'profile_types: `Localhost` names no profile'* ]]
}

@test 'allowed-seccomp: a default profile that is not allowed is refused' {
  run --separate-stderr kwctl run --request-path test_data/pod_unset.json --settings-json '{"default_profile":"unconfined"}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'default_profile: Unconfined is not an allowed profile'* ]]
}

@test 'allowed-seccomp: validate_only without default_profile is refused' {
  run --separate-stderr kwctl run --request-path test_data/pod_unset.json --settings-json '{"validate_only":true}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'validate_only: has no effect without default_profile'* ]]
}

@test 'allowed-seccomp: an unknown setting is refused' {
  run --separate-stderr kwctl run --request-path test_data/pod_unset.json --settings-json '{"allowed_seccomp_profiles":["runtime/default"]}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'unknown field `allowed_seccomp_profiles`'* ]]
}

@test 'allowed-seccomp: legacy_annotations must be a boolean' {
  run --separate-stderr kwctl run --request-path test_data/pod_unset.json --settings-json '{"legacy_annotations":"false"}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'legacy_annotations: invalid type'* ]]
}
