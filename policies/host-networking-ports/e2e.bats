#!/usr/bin/env bats
# Generated from test_data/cases.yml by `palisade bats`; do not edit.
# Run with kwctl: POLICY_WASM=annotated-policy.wasm bats e2e.bats

bats_require_minimum_version 1.5.0

policy() { echo "${POLICY_WASM:-annotated-policy.wasm}"; }

@test 'host-networking-ports: by default every host port is rejected' {
  run --separate-stderr kwctl run --request-path test_data/pod_host_port.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].ports[0].hostPort'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].ports[1].hostPort'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'host-networking-ports: a pod without host ports (unset or 0) is accepted' {
  run --separate-stderr kwctl run --request-path test_data/pod_no_host_port.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'host-networking-ports: Azure 7.x allowedHostPorts lets port 80 through and rejects 8080' {
  run --separate-stderr kwctl run --request-path test_data/pod_host_port.json --settings-json '{"allowedHostPorts":["80","3000-5000"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].ports[1].hostPort'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'host-networking-ports: Kubewarden allow_host_ports ranges accept both ports' {
  run --separate-stderr kwctl run --request-path test_data/pod_host_port.json --settings-json '{"allow_host_ports":[{"min":80,"max":80},{"min":8000,"max":8999}]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'host-networking-ports: Azure 6.x minPort and maxPort accept a port at the upper bound' {
  run --separate-stderr kwctl run --request-path test_data/pod_host_port.json --settings-json '{"minPort":80,"maxPort":8080}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'host-networking-ports: Azure'\''s parameter defaults minPort 0 and maxPort 0 allow no host port' {
  run --separate-stderr kwctl run --request-path test_data/pod_host_port.json --settings-json '{"allowHostNetwork":false,"minPort":0,"maxPort":0}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].ports[0].hostPort'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].ports[1].hostPort'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'host-networking-ports: hostNetwork and its host port are both rejected by default' {
  run --separate-stderr kwctl run --request-path test_data/pod_host_network.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.hostNetwork'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].ports[0].hostPort'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'host-networking-ports: allow_host_network alone still rejects the host port' {
  run --separate-stderr kwctl run --request-path test_data/pod_host_network.json --settings-json '{"allow_host_network":true}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].ports[0].hostPort'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'host-networking-ports: allowHostNetwork (Azure) with the port allowed accepts a node exporter' {
  run --separate-stderr kwctl run --request-path test_data/pod_host_network.json --settings-json '{"allowHostNetwork":true,"allowedHostPorts":["9100"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'host-networking-ports: a Deployment'\''s host ports are rejected at its template path, one range allowing 80 only' {
  run --separate-stderr kwctl run --request-path test_data/deployment_host_ports.json --settings-json '{"allow_host_ports":[{"min":80,"max":80}]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.template.spec.containers[0].ports[1].hostPort'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'host-networking-ports: a CronJob'\''s host port is rejected at its job template path' {
  run --separate-stderr kwctl run --request-path test_data/cronjob_host_port.json --settings-json '{"allowedHostPorts":["1024-65535"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.jobTemplate.spec.template.spec.containers[0].ports[0].hostPort'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'host-networking-ports: host ports of init containers (sidecar too) and containers are all reported' {
  run --separate-stderr kwctl run --request-path test_data/pod_all_kinds.json --settings-json '{"allowedHostPorts":["15001"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.initContainers[0].ports[0].hostPort'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].ports[0].hostPort'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'host-networking-ports: an exempt container name and image pattern skip those containers' {
  run --separate-stderr kwctl run --request-path test_data/pod_all_kinds.json --settings-json '{"exempt_container_names":["setup","proxy"],"excludedImages":["registry.example.com/*"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'host-networking-ports: an exempt namespace accepts hostNetwork' {
  run --separate-stderr kwctl run --request-path test_data/pod_host_network.json --settings-json '{"excludedNamespaces":["monitoring"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'host-networking-ports: a relabelling UPDATE of a pod that already had host ports is accepted with warnings' {
  run --separate-stderr kwctl run --request-path test_data/pod_update_preexisting.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
  jq -e --arg t 'preexisting, not blocking this update (it changes no image, container or seccomp/AppArmor annotation): spec.containers[0].ports[1].hostPort' 'any(.warnings[]; contains($t))' <<<"$output"
}

@test 'host-networking-ports: kubectl debug on a pod that already had host ports is rejected (a new container is judged in full, as PSA does)' {
  run --separate-stderr kwctl run --request-path test_data/pod_ephemeral_debug.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].ports[0].hostPort'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].ports[1].hostPort'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'host-networking-ports: minPort without maxPort is refused' {
  run --separate-stderr kwctl run --request-path test_data/pod_host_port.json --settings-json '{"minPort":80}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'minPort: needs maxPort too'* ]]
}

@test 'host-networking-ports: mixing Kubewarden and Azure range shapes is refused' {
  run --separate-stderr kwctl run --request-path test_data/pod_host_port.json --settings-json '{"allow_host_ports":[{"min":80,"max":80}],"allowedHostPorts":["443"]}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'allowedHostPorts: cannot be combined with `allow_host_ports`'* ]]
}

@test 'host-networking-ports: an unparsable Azure port range is refused' {
  run --separate-stderr kwctl run --request-path test_data/pod_host_port.json --settings-json '{"allowedHostPorts":["80","http"]}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'allowedHostPorts[1]: cannot read'* ]]
}

@test 'host-networking-ports: a range with min greater than max is refused' {
  run --separate-stderr kwctl run --request-path test_data/pod_host_port.json --settings-json '{"allow_host_ports":[{"min":5000,"max":3000}]}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'min 5000 is greater than max 3000'* ]]
}

@test 'host-networking-ports: a port outside 1-65535 is refused' {
  run --separate-stderr kwctl run --request-path test_data/pod_host_port.json --settings-json '{"minPort":1,"maxPort":70000}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'maxPort: port 70000 is outside 1-65535'* ]]
}
