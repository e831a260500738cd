#!/usr/bin/env bats
# Generated from test_data/cases.yml by `palisade bats`; do not edit.
# Run with kwctl: POLICY_WASM=annotated-policy.wasm bats e2e.bats

bats_require_minimum_version 1.5.0

policy() { echo "${POLICY_WASM:-annotated-policy.wasm}"; }

@test 'host-probes: every probe and lifecycle hook with a host is reported at once, init sidecar included' {
  run --separate-stderr kwctl run --request-path test_data/pod_all_hosts.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].livenessProbe.httpGet.host'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].readinessProbe.tcpSocket.host'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].startupProbe.httpGet.host'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].lifecycle.postStart.httpGet.host'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].lifecycle.preStop.tcpSocket.host'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.initContainers[0].lifecycle.preStop.tcpSocket.host'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'host-probes: an empty host and probes without host are accepted' {
  run --separate-stderr kwctl run --request-path test_data/pod_empty_host.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'host-probes: a container without probes or hooks is accepted' {
  run --separate-stderr kwctl run --request-path test_data/pod_no_probes.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'host-probes: localhost and 127.0.0.1 are rejected by default, as in PSS baseline' {
  run --separate-stderr kwctl run --request-path test_data/pod_localhost.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].livenessProbe.httpGet.host'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].readinessProbe.httpGet.host'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'host-probes: allowed_hosts match case-insensitively and ignore a trailing dot' {
  run --separate-stderr kwctl run --request-path test_data/pod_localhost.json --settings-json '{"allowed_hosts":["localhost","127.0.0.1"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'host-probes: allowed_hosts allow only the hosts listed' {
  run --separate-stderr kwctl run --request-path test_data/pod_localhost.json --settings-json '{"allowed_hosts":["localhost"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].livenessProbe.httpGet.host'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'host-probes: an exempt container name is skipped, the other container is still checked' {
  run --separate-stderr kwctl run --request-path test_data/pod_all_hosts.json --settings-json '{"exempt_container_names":["app"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.initContainers[0].lifecycle.preStop.tcpSocket.host'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'host-probes: exempting every container accepts the pod' {
  run --separate-stderr kwctl run --request-path test_data/pod_all_hosts.json --settings-json '{"excludedContainers":["app","proxy"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'host-probes: an exempt namespace is accepted' {
  run --separate-stderr kwctl run --request-path test_data/deployment_probe_host.json --settings-json '{"exempt_namespaces":["shop"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'host-probes: a Deployment probing another host is rejected at its template path' {
  run --separate-stderr kwctl run --request-path test_data/deployment_probe_host.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.template.spec.containers[0].readinessProbe.httpGet.host'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'host-probes: a CronJob probing another host is rejected at its job template path' {
  run --separate-stderr kwctl run --request-path test_data/cronjob_probe_host.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.jobTemplate.spec.template.spec.containers[0].livenessProbe.tcpSocket.host'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'host-probes: a relabelling UPDATE of a pod that already probed a host is accepted with a warning' {
  run --separate-stderr kwctl run --request-path test_data/pod_update_preexisting.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
  jq -e --arg t 'preexisting' 'any(.warnings[]; contains($t))' <<<"$output"
}

@test 'host-probes: an ephemeral container with a host in a hook is rejected' {
  run --separate-stderr kwctl run --request-path test_data/pod_ephemeral_debug.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.ephemeralContainers[0].lifecycle.preStop.tcpSocket.host'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'host-probes: an empty allowed host is refused' {
  run --separate-stderr kwctl run --request-path test_data/pod_no_probes.json --settings-json '{"allowed_hosts":[""]}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'allowed_hosts[0]'* ]]
}

@test 'host-probes: an unknown setting is refused' {
  run --separate-stderr kwctl run --request-path test_data/pod_no_probes.json --settings-json '{"allowed_host":["localhost"]}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'allowed_host'* ]]
}
