#!/usr/bin/env bats
# Generated from test_data/cases.yml by `palisade bats`; do not edit.
# Run with kwctl: POLICY_WASM=annotated-policy.wasm bats e2e.bats

bats_require_minimum_version 1.5.0

policy() { echo "${POLICY_WASM:-annotated-policy.wasm}"; }

@test 'block-host-namespace: hostPID is rejected' {
  run --separate-stderr kwctl run --request-path test_data/pod_host_pid.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.hostPID'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'block-host-namespace: hostIPC is rejected' {
  run --separate-stderr kwctl run --request-path test_data/pod_host_ipc.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.hostIPC'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'block-host-namespace: hostNetwork is rejected' {
  run --separate-stderr kwctl run --request-path test_data/pod_host_network.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.hostNetwork'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'block-host-namespace: all three host namespaces are reported at once' {
  run --separate-stderr kwctl run --request-path test_data/pod_all_host_namespaces.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.hostPID'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.hostIPC'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.hostNetwork'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'block-host-namespace: a pod with every host namespace false is accepted' {
  run --separate-stderr kwctl run --request-path test_data/pod_no_host_namespaces.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'block-host-namespace: allow_host_pid leaves hostIPC and hostNetwork' {
  run --separate-stderr kwctl run --request-path test_data/pod_all_host_namespaces.json --settings-json '{"allow_host_pid":true}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.hostIPC'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.hostNetwork'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'block-host-namespace: allow_host_ipc leaves hostPID and hostNetwork' {
  run --separate-stderr kwctl run --request-path test_data/pod_all_host_namespaces.json --settings-json '{"allow_host_ipc":true}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.hostPID'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.hostNetwork'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'block-host-namespace: allow_host_network leaves hostPID and hostIPC' {
  run --separate-stderr kwctl run --request-path test_data/pod_all_host_namespaces.json --settings-json '{"allow_host_network":true}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.hostPID'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.hostIPC'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'block-host-namespace: allow_host_network accepts a hostNetwork pod' {
  run --separate-stderr kwctl run --request-path test_data/pod_host_network.json --settings-json '{"allow_host_network":true}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'block-host-namespace: every allow setting together accepts all three' {
  run --separate-stderr kwctl run --request-path test_data/pod_all_host_namespaces.json --settings-json '{"allow_host_pid":true,"allow_host_ipc":true,"allow_host_network":true}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'block-host-namespace: a hostNetwork Deployment is rejected at its template path' {
  run --separate-stderr kwctl run --request-path test_data/deployment_host_network.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.template.spec.hostNetwork'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'block-host-namespace: a hostPID CronJob is rejected at its job template path' {
  run --separate-stderr kwctl run --request-path test_data/cronjob_host_pid.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.jobTemplate.spec.template.spec.hostPID'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'block-host-namespace: a relabelling UPDATE of a pod already on the host network is accepted with a warning' {
  run --separate-stderr kwctl run --request-path test_data/pod_update_preexisting.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
  jq -e --arg t 'preexisting' 'any(.warnings[]; contains($t))' <<<"$output"
}

@test 'block-host-namespace: a host-network pod whose image is replaced on UPDATE is rejected (PSA judges an image change in full)' {
  run --separate-stderr kwctl run --request-path test_data/pod_update_image_swap.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.hostNetwork'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'block-host-namespace: an UPDATE that newly sets hostPID is rejected, the old hostNetwork only warns' {
  run --separate-stderr kwctl run --request-path test_data/deployment_update_adds_host_pid.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.template.spec.hostPID'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
  jq -e --arg t 'preexisting' 'any(.warnings[]; contains($t))' <<<"$output"
}

@test 'block-host-namespace: kubectl debug on a pod already on the host network is rejected (a new container is judged in full, as PSA does)' {
  run --separate-stderr kwctl run --request-path test_data/pod_ephemeral_debug.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.hostNetwork'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'block-host-namespace: an exempt namespace is accepted' {
  run --separate-stderr kwctl run --request-path test_data/pod_all_host_namespaces.json --settings-json '{"exempt_namespaces":["default"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'block-host-namespace: an exempt container does not exempt the pod-level fields' {
  run --separate-stderr kwctl run --request-path test_data/pod_host_network.json --settings-json '{"excludedContainers":["nginx"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.hostNetwork'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'block-host-namespace: an unknown setting is refused' {
  run --separate-stderr kwctl run --request-path test_data/pod_no_host_namespaces.json --settings-json '{"allowHostNetwork":true}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'allowHostNetwork'* ]]
}
