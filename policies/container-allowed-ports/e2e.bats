#!/usr/bin/env bats
# Generated from test_data/cases.yml by `palisade bats`; do not edit.
# Run with kwctl: POLICY_WASM=annotated-policy.wasm bats e2e.bats

bats_require_minimum_version 1.5.0

policy() { echo "${POLICY_WASM:-annotated-policy.wasm}"; }

@test 'container-allowed-ports: listed ports are accepted' {
  run --separate-stderr kwctl run --request-path test_data/pod_allowed.json --settings-json '{"allowed_ports":[80,443]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'container-allowed-ports: without a list every port is accepted' {
  run --separate-stderr kwctl run --request-path test_data/pod_unlisted.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'container-allowed-ports: unlisted ports of a container and a sidecar init container are rejected (Azure allowedContainerPortsList)' {
  run --separate-stderr kwctl run --request-path test_data/pod_unlisted.json --settings-json '{"allowedContainerPortsList":["80","443"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].ports[1].containerPort'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.initContainers[0].ports[0].containerPort'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'container "nginx" port 8081 is not allowed (allowed: 80, 443)'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'init container "proxy" port 9901 is not allowed'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'container-allowed-ports: a range covers every port in it' {
  run --separate-stderr kwctl run --request-path test_data/deployment_ranges.json --settings-json '{"allowed_ports":["8000-8999"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'container-allowed-ports: a Deployment port outside the ranges is rejected at its template path' {
  run --separate-stderr kwctl run --request-path test_data/deployment_ranges.json --settings-json '{"allowed_ports":["8000-8080",443]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.template.spec.containers[0].ports[1].containerPort'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'container-allowed-ports: a CronJob port outside the list is rejected at its job template path' {
  run --separate-stderr kwctl run --request-path test_data/cronjob_metrics.json --settings-json '{"allowed_ports":[8080]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.jobTemplate.spec.template.spec.containers[0].ports[0].containerPort'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'container-allowed-ports: an empty list allows no container port' {
  run --separate-stderr kwctl run --request-path test_data/pod_allowed.json --settings-json '{"allowed_ports":[]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].ports[0].containerPort'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].ports[1].containerPort'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'no container port is allowed'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'container-allowed-ports: a relabelling UPDATE of a pod already declaring an unlisted port is accepted with a warning' {
  run --separate-stderr kwctl run --request-path test_data/pod_update_relabel.json --settings-json '{"allowed_ports":[80]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
  jq -e --arg t 'preexisting' 'any(.warnings[]; contains($t))' <<<"$output"
}

@test 'container-allowed-ports: a pod with an unlisted port whose image is replaced on UPDATE is rejected' {
  run --separate-stderr kwctl run --request-path test_data/pod_update_image_swap.json --settings-json '{"allowed_ports":[80]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].ports[0].containerPort'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'container-allowed-ports: kubectl debug adds an ephemeral container, which may not declare ports' {
  run --separate-stderr kwctl run --request-path test_data/pod_ephemeral_debug.json --settings-json '{"allowed_ports":[80]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'container-allowed-ports: exempt containers are skipped' {
  run --separate-stderr kwctl run --request-path test_data/pod_unlisted.json --settings-json '{"allowed_ports":[80],"exempt_container_names":["proxy","nginx"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'container-allowed-ports: an exempt namespace is accepted' {
  run --separate-stderr kwctl run --request-path test_data/pod_unlisted.json --settings-json '{"allowed_ports":[],"excludedNamespaces":["default"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'container-allowed-ports: a ConfigMap holds no pod and is accepted' {
  run --separate-stderr kwctl run --request-path test_data/configmap.json --settings-json '{"allowed_ports":[]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'container-allowed-ports: an entry that is not a port is refused' {
  run --separate-stderr kwctl run --request-path test_data/pod_allowed.json --settings-json '{"allowedContainerPortsList":["80","http"]}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'allowedContainerPortsList[1]'* ]]
}

@test 'container-allowed-ports: a range that ends before it starts is refused' {
  run --separate-stderr kwctl run --request-path test_data/pod_allowed.json --settings-json '{"allowed_ports":["9000-8000"]}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'the range ends before it starts'* ]]
}

@test 'container-allowed-ports: an unknown setting is refused' {
  run --separate-stderr kwctl run --request-path test_data/pod_allowed.json --settings-json '{"allowed_container_ports":[80]}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'allowed_container_ports'* ]]
}
