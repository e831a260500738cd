#!/usr/bin/env bats
# Generated from test_data/cases.yml by `palisade bats`; do not edit.
# Run with kwctl: POLICY_WASM=annotated-policy.wasm bats e2e.bats

bats_require_minimum_version 1.5.0

policy() { echo "${POLICY_WASM:-annotated-policy.wasm}"; }

@test 'container-requests: requests within the range, in several notations, are accepted' {
  run --separate-stderr kwctl run --request-path test_data/pod_requested.json --settings-json '{"min_cpu_request":"100m","max_cpu_request":"1","min_memory_request":"64Mi","max_memory_request":"1Gi"}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'container-requests: without settings requests of any size are accepted' {
  run --separate-stderr kwctl run --request-path test_data/pod_out_of_range.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'container-requests: a container without requests and an init container without a memory request are rejected' {
  run --separate-stderr kwctl run --request-path test_data/pod_no_requests.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].resources.requests.cpu'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].resources.requests.memory'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.initContainers[0].resources.requests.memory'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'container "nginx" has no cpu request'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'init container "setup" has no memory request'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'container-requests: requests above the maximum and below the minimum are rejected' {
  run --separate-stderr kwctl run --request-path test_data/pod_out_of_range.json --settings-json '{"max_cpu_request":"2","min_memory_request":"64Mi"}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].resources.requests.cpu'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].resources.requests.memory'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'container "nginx" cpu request "4" is higher than the maximum allowed of 2'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'container "nginx" memory request "16Mi" is lower than the minimum allowed of 64Mi'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'container-requests: a malformed request is a violation that says so' {
  run --separate-stderr kwctl run --request-path test_data/pod_malformed.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].resources.requests.cpu'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].resources.requests.memory'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'cpu request "half" could not be parsed'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'memory request "128 Mi" could not be parsed'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'container-requests: a Deployment with limits only is judged by the limits Kubernetes copies into its pods'\'' requests' {
  run --separate-stderr kwctl run --request-path test_data/deployment_limits_only.json --settings-json '{"max_memory_request":"1Gi"}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.template.spec.containers[0].resources.requests.memory'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'memory request (unset, so Kubernetes copies the memory limit "2Gi") is higher than the maximum allowed of 1Gi'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'container-requests: a Deployment with limits only within the range is accepted' {
  run --separate-stderr kwctl run --request-path test_data/deployment_limits_only.json --settings-json '{"max_memory_request":"2Gi"}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'container-requests: a CronJob without requests is rejected at its job template path' {
  run --separate-stderr kwctl run --request-path test_data/cronjob_no_requests.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.jobTemplate.spec.template.spec.containers[0].resources.requests.cpu'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.jobTemplate.spec.template.spec.containers[0].resources.requests.memory'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'container-requests: a relabelling UPDATE of a pod already above the maximum is accepted with a warning' {
  run --separate-stderr kwctl run --request-path test_data/pod_update_relabel.json --settings-json '{"max_cpu_request":"2"}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
  jq -e --arg t 'preexisting' 'any(.warnings[]; contains($t))' <<<"$output"
}

@test 'container-requests: an in-place resize (pods/resize) above the maximum is rejected' {
  run --separate-stderr kwctl run --request-path test_data/pod_update_resize.json --settings-json '{"max_cpu_request":"2"}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].resources.requests.cpu'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'container-requests: kubectl debug adds an ephemeral container, which may not have resources and is not asked for any' {
  run --separate-stderr kwctl run --request-path test_data/pod_ephemeral_debug.json --settings-json '{"min_cpu_request":"100m"}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'container-requests: exempt images (Azure excludedImages) are skipped' {
  run --separate-stderr kwctl run --request-path test_data/pod_no_requests.json --settings-json '{"excludedImages":["nginx:*","busybox:*"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'container-requests: an exempt namespace is accepted' {
  run --separate-stderr kwctl run --request-path test_data/pod_no_requests.json --settings-json '{"excludedNamespaces":["default"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'container-requests: a ConfigMap holds no pod and is accepted' {
  run --separate-stderr kwctl run --request-path test_data/configmap.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'container-requests: a malformed bound is refused' {
  run --separate-stderr kwctl run --request-path test_data/pod_requested.json --settings-json '{"max_memory_request":"1gb"}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'max_memory_request: '* ]]
}

@test 'container-requests: a minimum above the maximum is refused' {
  run --separate-stderr kwctl run --request-path test_data/pod_requested.json --settings-json '{"min_cpu_request":"2","max_cpu_request":"1500m"}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'min_cpu_request: 2 is higher than max_cpu_request 1500m'* ]]
}

@test 'container-requests: an unknown setting is refused' {
  run --separate-stderr kwctl run --request-path test_data/pod_requested.json --settings-json '{"cpu_request":"1"}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'cpu_request'* ]]
}
