#!/usr/bin/env bats
# Generated from test_data/cases.yml by `palisade bats`; do not edit.
# Run with kwctl: POLICY_WASM=annotated-policy.wasm bats e2e.bats

bats_require_minimum_version 1.5.0

policy() { echo "${POLICY_WASM:-annotated-policy.wasm}"; }

@test 'container-limits: limits and requests within the maxima, in several notations, are accepted' {
  run --separate-stderr kwctl run --request-path test_data/pod_limited.json --settings-json '{"max_cpu_limit":"1","max_memory_limit":"256Mi"}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'container-limits: without settings limits of any size are accepted' {
  run --separate-stderr kwctl run --request-path test_data/pod_over_max.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'container-limits: a container without limits and an init container without a memory limit are rejected' {
  run --separate-stderr kwctl run --request-path test_data/pod_no_limits.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].resources.limits.cpu'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].resources.limits.memory'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.initContainers[0].resources.limits.memory'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'container "nginx" has no cpu limit'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'init container "setup" has no memory limit'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'container-limits: limits above Azure'\''s cpuLimit and memoryLimit are rejected, compared exactly (1G is below 1Gi)' {
  run --separate-stderr kwctl run --request-path test_data/pod_over_max.json --settings-json '{"cpuLimit":"2","memoryLimit":"1Gi"}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].resources.limits.cpu'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].resources.limits.memory'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'container "nginx" cpu limit "4" is higher than the maximum allowed of 2'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'container-limits: a malformed quantity is a violation that says so' {
  run --separate-stderr kwctl run --request-path test_data/pod_malformed.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].resources.limits.cpu'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].resources.limits.memory'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'cpu limit "two" could not be parsed'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'memory limit "128MB" could not be parsed'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'container-limits: a request above its limit is rejected' {
  run --separate-stderr kwctl run --request-path test_data/pod_request_over_limit.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].resources.requests.cpu'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'cpu request "1" is higher than its cpu limit "500m"'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'container-limits: a CronJob above the maximum is rejected at its job template path' {
  run --separate-stderr kwctl run --request-path test_data/cronjob_over_max.json --settings-json '{"max_cpu_limit":"2"}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.jobTemplate.spec.template.spec.containers[0].resources.limits.cpu'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'container-limits: a Deployment without limits is rejected at its template path' {
  run --separate-stderr kwctl run --request-path test_data/deployment_no_limits.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.template.spec.containers[0].resources.limits.cpu'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.template.spec.containers[0].resources.limits.memory'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'container-limits: default limits and requests are set on a Deployment that has none' {
  run --separate-stderr kwctl run --request-path test_data/deployment_no_limits.json --settings-json '{"max_cpu_limit":"2","max_memory_limit":"1Gi","default_limits":{"cpu":"500m","memory":"256Mi"},"default_requests":{"cpu":"100m","memory":"128Mi"}}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output" | base64 -d | jq -cS .)" = '[{"op":"add","path":"/spec/template/spec/containers/0/resources","value":{"limits":{"cpu":"500m","memory":"256Mi"},"requests":{"cpu":"100m","memory":"128Mi"}}}]' ]
  jq -e --arg t 'mutated: set spec.template.spec.containers[0].resources.limits.cpu to "500m"' 'any(.warnings[]; contains($t))' <<<"$output"
}

@test 'container-limits: a default fills only the missing memory limit; a set cpu limit keeps its request' {
  run --separate-stderr kwctl run --request-path test_data/pod_no_limits.json --settings-json '{"default_limits":{"cpu":"1","memory":"256Mi"}}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output" | base64 -d | jq -cS .)" = '[{"op":"add","path":"/spec/initContainers/0/resources/limits/memory","value":"256Mi"},{"op":"add","path":"/spec/containers/0/resources","value":{"limits":{"cpu":"1","memory":"256Mi"}}}]' ]
}

@test 'container-limits: validate_only rejects what a default would fill' {
  run --separate-stderr kwctl run --request-path test_data/pod_no_limits.json --settings-json '{"default_limits":{"cpu":"1","memory":"256Mi"},"validate_only":true}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].resources.limits.cpu'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].resources.limits.memory'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.initContainers[0].resources.limits.memory'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'init container "setup" has no memory limit (default 256Mi)'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'container-limits: a relabelling UPDATE of a pod already above the maximum is accepted with a warning' {
  run --separate-stderr kwctl run --request-path test_data/pod_update_relabel.json --settings-json '{"max_cpu_limit":"2"}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
  jq -e --arg t 'preexisting' 'any(.warnings[]; contains($t))' <<<"$output"
}

@test 'container-limits: an in-place resize (pods/resize) above the maximum is rejected' {
  run --separate-stderr kwctl run --request-path test_data/pod_update_resize.json --settings-json '{"max_cpu_limit":"2"}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].resources.limits.cpu'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'container-limits: kubectl debug adds an ephemeral container, which may not have resources and is not asked for any' {
  run --separate-stderr kwctl run --request-path test_data/pod_ephemeral_debug.json --settings-json '{"max_cpu_limit":"2","max_memory_limit":"1Gi"}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'container-limits: exempt containers (Azure excludedContainers) are skipped' {
  run --separate-stderr kwctl run --request-path test_data/pod_no_limits.json --settings-json '{"excludedContainers":["nginx","setup"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'container-limits: an exempt namespace is accepted' {
  run --separate-stderr kwctl run --request-path test_data/pod_no_limits.json --settings-json '{"exempt_namespaces":["default"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'container-limits: a ConfigMap holds no pod and is accepted' {
  run --separate-stderr kwctl run --request-path test_data/configmap.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'container-limits: a malformed maximum is refused' {
  run --separate-stderr kwctl run --request-path test_data/pod_limited.json --settings-json '{"cpuLimit":"2 cores"}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'cpuLimit: '* ]]
}

@test 'container-limits: a default limit above the maximum is refused' {
  run --separate-stderr kwctl run --request-path test_data/pod_limited.json --settings-json '{"max_memory_limit":"1Gi","default_limits":{"memory":"2Gi"}}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'default_limits.memory: 2Gi is higher than max_memory_limit 1Gi'* ]]
}

@test 'container-limits: a default request above the default limit is refused' {
  run --separate-stderr kwctl run --request-path test_data/pod_limited.json --settings-json '{"default_limits":{"cpu":"500m"},"default_requests":{"cpu":"1"}}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'default_requests.cpu: 1 is higher than default_limits.cpu 500m'* ]]
}

@test 'container-limits: validate_only without defaults is refused' {
  run --separate-stderr kwctl run --request-path test_data/pod_limited.json --settings-json '{"validate_only":true}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'validate_only: has no effect'* ]]
}

@test 'container-limits: an unknown setting is refused' {
  run --separate-stderr kwctl run --request-path test_data/pod_limited.json --settings-json '{"cpu_limit":"1"}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'cpu_limit'* ]]
}
