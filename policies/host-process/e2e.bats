#!/usr/bin/env bats
# Generated from test_data/cases.yml by `palisade bats`; do not edit.
# Run with kwctl: POLICY_WASM=annotated-policy.wasm bats e2e.bats

bats_require_minimum_version 1.5.0

policy() { echo "${POLICY_WASM:-annotated-policy.wasm}"; }

@test 'host-process: a pod-level hostProcess true is rejected once, at the pod path' {
  run --separate-stderr kwctl run --request-path test_data/pod_hostprocess.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.securityContext.windowsOptions.hostProcess'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'host-process: every container kind setting hostProcess true is reported at once' {
  run --separate-stderr kwctl run --request-path test_data/pod_all_kinds_hostprocess.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[1].securityContext.windowsOptions.hostProcess'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.initContainers[0].securityContext.windowsOptions.hostProcess'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.ephemeralContainers[0].securityContext.windowsOptions.hostProcess'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'host-process: hostProcess false at pod and container level is accepted' {
  run --separate-stderr kwctl run --request-path test_data/pod_windows_ok.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'host-process: a container hostProcess false does not excuse the pod-level true' {
  run --separate-stderr kwctl run --request-path test_data/pod_container_false_pod_true.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.securityContext.windowsOptions.hostProcess'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'host-process: exempt containers (Azure spelling) skip only container-level checks' {
  run --separate-stderr kwctl run --request-path test_data/pod_all_kinds_hostprocess.json --settings-json '{"excludedContainers":["install","csi-proxy","debugger"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'host-process: an exempt container does not excuse the pod-level field' {
  run --separate-stderr kwctl run --request-path test_data/pod_container_false_pod_true.json --settings-json '{"exempt_container_names":["collector"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.securityContext.windowsOptions.hostProcess'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'host-process: an exempt image pattern skips the matching containers only' {
  run --separate-stderr kwctl run --request-path test_data/pod_all_kinds_hostprocess.json --settings-json '{"exempt_images":["registry.example.com/win/*"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.ephemeralContainers[0].securityContext.windowsOptions.hostProcess'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'host-process: an exempt namespace is accepted' {
  run --separate-stderr kwctl run --request-path test_data/pod_hostprocess.json --settings-json '{"exempt_namespaces":["monitoring"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'host-process: a HostProcess Deployment is rejected at its template path' {
  run --separate-stderr kwctl run --request-path test_data/deployment_hostprocess.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.template.spec.containers[0].securityContext.windowsOptions.hostProcess'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'host-process: an ordinary Windows Deployment is accepted' {
  run --separate-stderr kwctl run --request-path test_data/deployment_ok.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'host-process: a pod-level HostProcess CronJob is rejected at its job template path' {
  run --separate-stderr kwctl run --request-path test_data/cronjob_hostprocess.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.jobTemplate.spec.template.spec.securityContext.windowsOptions.hostProcess'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'host-process: a relabelling UPDATE of an existing HostProcess pod is accepted with a warning' {
  run --separate-stderr kwctl run --request-path test_data/pod_update_preexisting.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
  jq -e --arg t 'preexisting' 'any(.warnings[]; contains($t))' <<<"$output"
}

@test 'host-process: kubectl debug adding a HostProcess ephemeral container is rejected' {
  run --separate-stderr kwctl run --request-path test_data/pod_ephemeral_debug.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.ephemeralContainers[0].securityContext.windowsOptions.hostProcess'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'host-process: an unknown setting is refused' {
  run --separate-stderr kwctl run --request-path test_data/pod_windows_ok.json --settings-json '{"allow_host_process":true}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'allow_host_process'* ]]
}
