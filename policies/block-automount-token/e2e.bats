#!/usr/bin/env bats
# Generated from test_data/cases.yml by `palisade bats`; do not edit.
# Run with kwctl: POLICY_WASM=annotated-policy.wasm bats e2e.bats

bats_require_minimum_version 1.5.0

policy() { echo "${POLICY_WASM:-annotated-policy.wasm}"; }

@test 'block-automount-token: automountServiceAccountToken false is accepted' {
  run --separate-stderr kwctl run --request-path test_data/pod_automount_false.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'block-automount-token: automountServiceAccountToken true is rejected' {
  run --separate-stderr kwctl run --request-path test_data/pod_automount_true.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.automountServiceAccountToken'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'automountServiceAccountToken is true'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'block-automount-token: an unset automountServiceAccountToken is rejected (the ServiceAccount is not consulted)' {
  run --separate-stderr kwctl run --request-path test_data/pod_automount_unset.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.automountServiceAccountToken'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'the ServiceAccount'\''s setting decides'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'block-automount-token: a Deployment without the field is rejected at its template path' {
  run --separate-stderr kwctl run --request-path test_data/deployment_unset.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.template.spec.automountServiceAccountToken'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'block-automount-token: set_false_when_unset sets the field on a Deployment template' {
  run --separate-stderr kwctl run --request-path test_data/deployment_unset.json --settings-json '{"set_false_when_unset":true}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output" | base64 -d | jq -cS .)" = '[{"op":"add","path":"/spec/template/spec/automountServiceAccountToken","value":false}]' ]
  jq -e --arg t 'mutated: set spec.template.spec.automountServiceAccountToken to false' 'any(.warnings[]; contains($t))' <<<"$output"
}

@test 'block-automount-token: set_false_when_unset never rewrites an explicit true' {
  run --separate-stderr kwctl run --request-path test_data/cronjob_true.json --settings-json '{"set_false_when_unset":true}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.jobTemplate.spec.template.spec.automountServiceAccountToken'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'block-automount-token: validate_only rejects instead of setting the field' {
  run --separate-stderr kwctl run --request-path test_data/pod_automount_unset.json --settings-json '{"set_false_when_unset":true,"validate_only":true}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.automountServiceAccountToken'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'block-automount-token: a relabelling UPDATE of a pod that mounts the token is accepted with a warning' {
  run --separate-stderr kwctl run --request-path test_data/pod_update_preexisting.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
  jq -e --arg t 'preexisting' 'any(.warnings[]; contains($t))' <<<"$output"
}

@test 'block-automount-token: an UPDATE that changes the image is judged in full' {
  run --separate-stderr kwctl run --request-path test_data/pod_update_image_swap.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.automountServiceAccountToken'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'block-automount-token: set_false_when_unset cannot fix a running pod whose image changes' {
  run --separate-stderr kwctl run --request-path test_data/pod_update_image_swap.json --settings-json '{"set_false_when_unset":true}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.automountServiceAccountToken'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'recreate the pod'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'block-automount-token: kubectl debug on a pod with the token off is accepted' {
  run --separate-stderr kwctl run --request-path test_data/pod_ephemeral_debug.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'block-automount-token: a pod whose every container is exempt (Azure excludedImages) is skipped' {
  run --separate-stderr kwctl run --request-path test_data/pod_automount_true.json --settings-json '{"excludedImages":["nginx:*"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'block-automount-token: an exempt namespace is accepted' {
  run --separate-stderr kwctl run --request-path test_data/pod_automount_unset.json --settings-json '{"exempt_namespaces":["default"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'block-automount-token: a ConfigMap holds no pod and is accepted' {
  run --separate-stderr kwctl run --request-path test_data/configmap.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'block-automount-token: validate_only without set_false_when_unset is refused' {
  run --separate-stderr kwctl run --request-path test_data/pod_automount_false.json --settings-json '{"validate_only":true}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'validate_only: has no effect'* ]]
}

@test 'block-automount-token: an unknown setting is refused' {
  run --separate-stderr kwctl run --request-path test_data/pod_automount_false.json --settings-json '{"mutate":true}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'mutate'* ]]
}
