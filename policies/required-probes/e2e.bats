#!/usr/bin/env bats
# Generated from test_data/cases.yml by `palisade bats`; do not edit.
# Run with kwctl: POLICY_WASM=annotated-policy.wasm bats e2e.bats

bats_require_minimum_version 1.5.0

policy() { echo "${POLICY_WASM:-annotated-policy.wasm}"; }

@test 'required-probes: a container with readiness and liveness probes is accepted; its init container needs none' {
  run --separate-stderr kwctl run --request-path test_data/pod_probed.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'required-probes: a container without probes is rejected for each required probe' {
  run --separate-stderr kwctl run --request-path test_data/pod_no_probes.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].readinessProbe'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].livenessProbe'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'container "nginx" has no readinessProbe (required: readinessProbe, livenessProbe)'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'required-probes: a readiness probe alone lacks the liveness probe' {
  run --separate-stderr kwctl run --request-path test_data/pod_readiness_only.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].livenessProbe'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'required-probes: only the listed probes are required (Azure spelling requiredProbes)' {
  run --separate-stderr kwctl run --request-path test_data/pod_readiness_only.json --settings-json '{"requiredProbes":["readinessProbe"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'required-probes: startupProbe can be required' {
  run --separate-stderr kwctl run --request-path test_data/pod_probed.json --settings-json '{"required_probes":["startupProbe"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].startupProbe'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'required-probes: a Deployment'\''s sidecar without probes is rejected at its template path; its init container is not' {
  run --separate-stderr kwctl run --request-path test_data/deployment_sidecar_without_probes.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.template.spec.containers[1].readinessProbe'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.template.spec.containers[1].livenessProbe'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'required-probes: an exempt container name (Azure spelling excludedContainers) is skipped' {
  run --separate-stderr kwctl run --request-path test_data/deployment_sidecar_without_probes.json --settings-json '{"excludedContainers":["proxy"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'required-probes: an exempt image pattern is skipped' {
  run --separate-stderr kwctl run --request-path test_data/deployment_sidecar_without_probes.json --settings-json '{"exempt_images":["envoyproxy/envoy:*"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'required-probes: a CronJob without probes is rejected at its job template path' {
  run --separate-stderr kwctl run --request-path test_data/cronjob_no_probes.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.jobTemplate.spec.template.spec.containers[0].readinessProbe'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.jobTemplate.spec.template.spec.containers[0].livenessProbe'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'required-probes: a relabelling UPDATE of a pod without probes is accepted with a warning' {
  run --separate-stderr kwctl run --request-path test_data/pod_update_preexisting.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
  jq -e --arg t 'preexisting' 'any(.warnings[]; contains($t))' <<<"$output"
}

@test 'required-probes: an UPDATE that changes the image is judged in full' {
  run --separate-stderr kwctl run --request-path test_data/pod_update_image_swap.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].readinessProbe'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].livenessProbe'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'required-probes: kubectl debug is accepted: ephemeral containers are never required to have probes' {
  run --separate-stderr kwctl run --request-path test_data/pod_ephemeral_debug.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'required-probes: a ConfigMap holds no pod and is accepted' {
  run --separate-stderr kwctl run --request-path test_data/configmap.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'required-probes: an empty list is refused' {
  run --separate-stderr kwctl run --request-path test_data/pod_probed.json --settings-json '{"required_probes":[]}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'required_probes: is empty'* ]]
}

@test 'required-probes: an unknown probe name is refused' {
  run --separate-stderr kwctl run --request-path test_data/pod_probed.json --settings-json '{"requiredProbes":["readinessProbe","healthProbe"]}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'required_probes[1]: "healthProbe" is not a probe'* ]]
}
