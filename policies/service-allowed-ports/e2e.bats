#!/usr/bin/env bats
# Generated from test_data/cases.yml by `palisade bats`; do not edit.
# Run with kwctl: POLICY_WASM=annotated-policy.wasm bats e2e.bats

bats_require_minimum_version 1.5.0

policy() { echo "${POLICY_WASM:-annotated-policy.wasm}"; }

@test 'service-allowed-ports: a Service on an allowed port is accepted' {
  run --separate-stderr kwctl run --request-path test_data/service_https.json --settings-json '{"allowedServicePortsList":["443"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'service-allowed-ports: every port outside the list is refused at its path' {
  run --separate-stderr kwctl run --request-path test_data/service_http_and_ssh.json --settings-json '{"allowedServicePortsList":["443","8000-8080"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.ports[1].port'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.ports[2].port'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'port 80 is not allowed (allowed: 443, 8000-8080)'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'service-allowed-ports: without settings every port is allowed' {
  run --separate-stderr kwctl run --request-path test_data/service_http_and_ssh.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'service-allowed-ports: a NodePort Service is refused when the type is not allowed' {
  run --separate-stderr kwctl run --request-path test_data/service_nodeport.json --settings-json '{"allow_node_port_type":false}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.type'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'service-allowed-ports: node ports outside the allowed range are refused' {
  run --separate-stderr kwctl run --request-path test_data/service_nodeport.json --settings-json '{"allowed_node_ports":["30000-30999"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.ports[1].nodePort'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'service-allowed-ports: the API server'\''s own Service in default is exempt' {
  run --separate-stderr kwctl run --request-path test_data/service_kubernetes.json --settings-json '{"allowed_ports":[]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'service-allowed-ports: an exempt namespace is accepted' {
  run --separate-stderr kwctl run --request-path test_data/service_http_and_ssh.json --settings-json '{"allowed_ports":[443],"exempt_namespaces":["default"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'service-allowed-ports: a relabelling UPDATE keeps a preexisting port as a warning' {
  run --separate-stderr kwctl run --request-path test_data/service_update_preexisting.json --settings-json '{"allowed_ports":[443]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
  jq -e --arg t 'preexisting' 'any(.warnings[]; contains($t))' <<<"$output"
}

@test 'service-allowed-ports: a Pod is not a Service and is accepted' {
  run --separate-stderr kwctl run --request-path test_data/pod_unprivileged.json --settings-json '{"allowed_ports":[]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}
