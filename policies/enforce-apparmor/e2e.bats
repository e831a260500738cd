#!/usr/bin/env bats
# Generated from test_data/cases.yml by `palisade bats`; do not edit.
# Run with kwctl: POLICY_WASM=annotated-policy.wasm bats e2e.bats

bats_require_minimum_version 1.5.0

policy() { echo "${POLICY_WASM:-annotated-policy.wasm}"; }

@test 'enforce-apparmor: a pod-level RuntimeDefault appArmorProfile is accepted' {
  run --separate-stderr kwctl run --request-path test_data/pod_runtime_default_field.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'enforce-apparmor: with require_profile, a pod-level profile covers every container' {
  run --separate-stderr kwctl run --request-path test_data/pod_runtime_default_field.json --settings-json '{"require_profile":true}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'enforce-apparmor: an unconfined container annotation is rejected at the annotation' {
  run --separate-stderr kwctl run --request-path test_data/pod_unconfined_annotation.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'metadata.annotations["container.apparmor.security.beta.kubernetes.io/mounter"]'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'enforce-apparmor: unconfined is accepted when allowed (Azure spelling)' {
  run --separate-stderr kwctl run --request-path test_data/pod_unconfined_annotation.json --settings-json '{"allowedProfiles":["runtime/default","unconfined"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'enforce-apparmor: an exempt container'\''s annotation is not checked' {
  run --separate-stderr kwctl run --request-path test_data/pod_unconfined_annotation.json --settings-json '{"exempt_container_names":["mounter"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'enforce-apparmor: an exempt image pattern (Azure spelling) is skipped' {
  run --separate-stderr kwctl run --request-path test_data/pod_unconfined_annotation.json --settings-json '{"excludedImages":["registry.example.com/storage/s3fs:*"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'enforce-apparmor: Localhost profiles are accepted by default' {
  run --separate-stderr kwctl run --request-path test_data/pod_localhost.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'enforce-apparmor: a Localhost profile is matched exactly, never by prefix' {
  run --separate-stderr kwctl run --request-path test_data/pod_localhost.json --settings-json '{"allowed_profiles":["RuntimeDefault","localhost/k8s-nginx"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'metadata.annotations["container.apparmor.security.beta.kubernetes.io/prepare"]'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'enforce-apparmor: runtime/default alone rejects both the Localhost field and the Localhost annotation' {
  run --separate-stderr kwctl run --request-path test_data/pod_localhost.json --settings-json '{"allowedProfiles":["runtime/default"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].securityContext.appArmorProfile'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'metadata.annotations["container.apparmor.security.beta.kubernetes.io/prepare"]'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'enforce-apparmor: a field and an annotation that disagree must both be allowed' {
  run --separate-stderr kwctl run --request-path test_data/pod_disagreeing.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'metadata.annotations["container.apparmor.security.beta.kubernetes.io/renderer"]'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'enforce-apparmor: a pod without any profile is accepted by default (PSS baseline)' {
  run --separate-stderr kwctl run --request-path test_data/pod_unset.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'enforce-apparmor: with require_profile, each container without a profile is rejected at its securityContext' {
  run --separate-stderr kwctl run --request-path test_data/pod_unset.json --settings-json '{"require_profile":true}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.initContainers[0].securityContext'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].securityContext'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'enforce-apparmor: default_profile sets the pod-level appArmorProfile' {
  run --separate-stderr kwctl run --request-path test_data/pod_unset.json --settings-json '{"default_profile":"runtime/default","require_profile":true}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output" | base64 -d | jq -cS .)" = '[{"op":"add","path":"/spec/securityContext","value":{"appArmorProfile":{"type":"RuntimeDefault"}}}]' ]
  jq -e --arg t 'mutated: set spec.securityContext.appArmorProfile to' 'any(.warnings[]; contains($t))' <<<"$output"
}

@test 'enforce-apparmor: with validate_only, the missing pod-level profile is rejected instead of set' {
  run --separate-stderr kwctl run --request-path test_data/pod_unset.json --settings-json '{"default_profile":"RuntimeDefault","validate_only":true}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.securityContext.appArmorProfile'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'enforce-apparmor: a Deployment'\''s pod-level Unconfined field is rejected at its template path' {
  run --separate-stderr kwctl run --request-path test_data/deployment_unconfined_field.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.template.spec.securityContext.appArmorProfile'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'enforce-apparmor: a Deployment'\''s pod-level Unconfined field is accepted when allowed' {
  run --separate-stderr kwctl run --request-path test_data/deployment_unconfined_field.json --settings-json '{"allowed_profiles":["Unconfined","RuntimeDefault"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'enforce-apparmor: with require_profile, a CronJob without a profile is rejected at its job template path' {
  run --separate-stderr kwctl run --request-path test_data/cronjob_unset.json --settings-json '{"require_profile":true}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.jobTemplate.spec.template.spec.containers[0].securityContext'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'enforce-apparmor: default_profile sets a Localhost profile on a CronJob'\''s pod template' {
  run --separate-stderr kwctl run --request-path test_data/cronjob_unset.json --settings-json '{"default_profile":"localhost/k8s-cleanup"}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output" | base64 -d | jq -cS .)" = '[{"op":"add","path":"/spec/jobTemplate/spec/template/spec/securityContext","value":{"appArmorProfile":{"localhostProfile":"k8s-cleanup","type":"Localhost"}}}]' ]
}

@test 'enforce-apparmor: a relabelling UPDATE of a pod already unconfined is accepted with a warning' {
  run --separate-stderr kwctl run --request-path test_data/pod_update_preexisting.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
  jq -e --arg t 'preexisting, not blocking this update' 'any(.warnings[]; contains($t))' <<<"$output"
}

@test 'enforce-apparmor: with require_profile, kubectl debug adding an ephemeral container without a profile is rejected' {
  run --separate-stderr kwctl run --request-path test_data/pod_ephemeral_debug.json --settings-json '{"require_profile":true}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.ephemeralContainers[0].securityContext'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'enforce-apparmor: kubectl debug'\''s ephemeral container gets the default profile in its own securityContext' {
  run --separate-stderr kwctl run --request-path test_data/pod_ephemeral_debug.json --settings-json '{"default_profile":"RuntimeDefault"}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output" | base64 -d | jq -cS .)" = '[{"op":"add","path":"/spec/ephemeralContainers/0/securityContext","value":{"appArmorProfile":{"type":"RuntimeDefault"}}}]' ]
  jq -e --arg t 'mutated: set spec.ephemeralContainers[0].securityContext.appArmorProfile to' 'any(.warnings[]; contains($t))' <<<"$output"
}

@test 'enforce-apparmor: an unconfined annotation naming a container the Deployment'\''s pod does not have is rejected' {
  run --separate-stderr kwctl run --request-path test_data/deployment_ghost_annotation.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.template.metadata.annotations["container.apparmor.security.beta.kubernetes.io/istio-proxy"]'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'enforce-apparmor: the pss-baseline settings reject it too, as Pod Security Admission does' {
  run --separate-stderr kwctl run --request-path test_data/deployment_ghost_annotation.json --settings-json '{"allowed_profiles":["RuntimeDefault","localhost/*"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.template.metadata.annotations["container.apparmor.security.beta.kubernetes.io/istio-proxy"]'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'enforce-apparmor: an annotation naming no container of the pod is skipped when exempt_container_names lists that name' {
  run --separate-stderr kwctl run --request-path test_data/deployment_ghost_annotation.json --settings-json '{"allowed_profiles":["RuntimeDefault","localhost/*"],"exempt_container_names":["istio-proxy"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'enforce-apparmor: an annotation naming no container of the pod is admitted when its profile is allowed' {
  run --separate-stderr kwctl run --request-path test_data/deployment_ghost_annotation.json --settings-json '{"allowedProfiles":["runtime/default","unconfined"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'enforce-apparmor: an empty annotation value is unset, admitted with the pss-baseline settings' {
  run --separate-stderr kwctl run --request-path test_data/pod_empty_annotation.json --settings-json '{"allowed_profiles":["RuntimeDefault","localhost/*"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'enforce-apparmor: with require_profile, an empty annotation value is a missing profile' {
  run --separate-stderr kwctl run --request-path test_data/pod_empty_annotation.json --settings-json '{"allowed_profiles":["RuntimeDefault","localhost/*"],"require_profile":true}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].securityContext'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'enforce-apparmor: default_profile covers the container whose annotation is empty' {
  run --separate-stderr kwctl run --request-path test_data/pod_empty_annotation.json --settings-json '{"default_profile":"RuntimeDefault"}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output" | base64 -d | jq -cS .)" = '[{"op":"add","path":"/spec/securityContext","value":{"appArmorProfile":{"type":"RuntimeDefault"}}}]' ]
}

@test 'enforce-apparmor: the pss-baseline settings reject an unconfined annotation' {
  run --separate-stderr kwctl run --request-path test_data/pod_unconfined_annotation.json --settings-json '{"allowed_profiles":["RuntimeDefault","localhost/*"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'metadata.annotations["container.apparmor.security.beta.kubernetes.io/mounter"]'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'enforce-apparmor: the pss-baseline settings admit Localhost fields and annotations' {
  run --separate-stderr kwctl run --request-path test_data/pod_localhost.json --settings-json '{"allowed_profiles":["RuntimeDefault","localhost/*"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'enforce-apparmor: an empty allowed list is refused' {
  run --separate-stderr kwctl run --request-path test_data/pod_unset.json --settings-json '{"allowed_profiles":[]}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'allowed_profiles: is empty'* ]]
}

@test 'enforce-apparmor: a bare Localhost entry is refused' {
  run --separate-stderr kwctl run --request-path test_data/pod_unset.json --settings-json '{"allowed_profiles":["Localhost"]}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'`Localhost` names no profile: use localhost/<path> or localhost/*'* ]]
}

@test 'enforce-apparmor: a default profile that is not allowed is refused' {
  run --separate-stderr kwctl run --request-path test_data/pod_unset.json --settings-json '{"allowed_profiles":["runtime/default"],"default_profile":"localhost/k8s-nginx"}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'default_profile: Localhost "k8s-nginx" is not an allowed profile'* ]]
}

@test 'enforce-apparmor: validate_only without default_profile is refused' {
  run --separate-stderr kwctl run --request-path test_data/pod_unset.json --settings-json '{"validate_only":true}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'validate_only: has no effect without default_profile'* ]]
}

@test 'enforce-apparmor: a seccomp-only setting is refused' {
  run --separate-stderr kwctl run --request-path test_data/pod_unset.json --settings-json '{"localhost_profiles":["k8s-nginx"]}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'unknown field `localhost_profiles`'* ]]
}
