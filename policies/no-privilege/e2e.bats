#!/usr/bin/env bats
# Generated from test_data/cases.yml by `palisade bats`; do not edit.
# Run with kwctl: POLICY_WASM=annotated-policy.wasm bats e2e.bats

bats_require_minimum_version 1.5.0

policy() { echo "${POLICY_WASM:-annotated-policy.wasm}"; }

@test 'no-privilege: a privileged container is rejected' {
  run --separate-stderr kwctl run --request-path test_data/pod_privileged.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].securityContext.privileged'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'no-privilege: a container without securityContext is accepted' {
  run --separate-stderr kwctl run --request-path test_data/pod_unprivileged.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'no-privilege: every privileged container of every kind is reported at once' {
  run --separate-stderr kwctl run --request-path test_data/pod_all_kinds_privileged.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[1].securityContext.privileged'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.initContainers[0].securityContext.privileged'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.ephemeralContainers[0].securityContext.privileged'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'no-privilege: skip_init_containers and skip_ephemeral_containers leave only the regular container' {
  run --separate-stderr kwctl run --request-path test_data/pod_all_kinds_privileged.json --settings-json '{"skip_init_containers":true,"skip_ephemeral_containers":true}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[1].securityContext.privileged'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'no-privilege: an exempt container name is skipped' {
  run --separate-stderr kwctl run --request-path test_data/pod_all_kinds_privileged.json --settings-json '{"exempt_container_names":["setup","sidecar","debugger"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'no-privilege: an exempt image pattern (Azure spelling) is skipped' {
  run --separate-stderr kwctl run --request-path test_data/pod_privileged.json --settings-json '{"excludedImages":["nginx:*"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'no-privilege: an exempt namespace is accepted' {
  run --separate-stderr kwctl run --request-path test_data/pod_privileged.json --settings-json '{"exempt_namespaces":["default"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'no-privilege: a privileged Deployment is rejected at its template path' {
  run --separate-stderr kwctl run --request-path test_data/deployment_privileged.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.template.spec.containers[0].securityContext.privileged'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'no-privilege: an unprivileged Deployment is accepted' {
  run --separate-stderr kwctl run --request-path test_data/deployment_unprivileged.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'no-privilege: a privileged CronJob is rejected at its job template path' {
  run --separate-stderr kwctl run --request-path test_data/cronjob_privileged.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.jobTemplate.spec.template.spec.containers[0].securityContext.privileged'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'no-privilege: a relabelling UPDATE of an already privileged pod is accepted with a warning' {
  run --separate-stderr kwctl run --request-path test_data/pod_update_preexisting.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
  jq -e --arg t 'preexisting' 'any(.warnings[]; contains($t))' <<<"$output"
}

@test 'no-privilege: a privileged pod whose image is replaced on UPDATE is rejected (PSA judges an image change in full)' {
  run --separate-stderr kwctl run --request-path test_data/pod_update_image_swap.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].securityContext.privileged'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'no-privilege: kubectl debug adding a privileged ephemeral container is rejected' {
  run --separate-stderr kwctl run --request-path test_data/pod_ephemeral_debug.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.ephemeralContainers[0].securityContext.privileged'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'no-privilege: a ConfigMap holds no pod and is accepted' {
  run --separate-stderr kwctl run --request-path test_data/configmap.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'no-privilege: an unknown setting is refused' {
  run --separate-stderr kwctl run --request-path test_data/pod_unprivileged.json --settings-json '{"skip_init":true}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'skip_init'* ]]
}
