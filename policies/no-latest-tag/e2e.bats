#!/usr/bin/env bats
# Generated from test_data/cases.yml by `palisade bats`; do not edit.
# Run with kwctl: POLICY_WASM=annotated-policy.wasm bats e2e.bats

bats_require_minimum_version 1.5.0

policy() { echo "${POLICY_WASM:-annotated-policy.wasm}"; }

@test 'no-latest-tag: images pinned by tag or digest are accepted' {
  run --separate-stderr kwctl run --request-path test_data/pod_pinned.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'no-latest-tag: the tag latest is rejected' {
  run --separate-stderr kwctl run --request-path test_data/pod_latest.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].image'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'container "nginx" image "nginx:latest" uses the tag latest'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'no-latest-tag: no tag means latest, in every container kind; localhost:5000 is a registry, not a tag' {
  run --separate-stderr kwctl run --request-path test_data/pod_all_kinds_untagged.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[1].image'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.initContainers[0].image'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.ephemeralContainers[0].image'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'"localhost:5000/envoy" has no tag, which means latest'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'no-latest-tag: skip_ephemeral_containers leaves the debug container alone' {
  run --separate-stderr kwctl run --request-path test_data/pod_all_kinds_untagged.json --settings-json '{"skip_ephemeral_containers":true}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[1].image'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.initContainers[0].image'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'no-latest-tag: an image that is not a valid reference is rejected, never passed' {
  run --separate-stderr kwctl run --request-path test_data/pod_bad_image.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].image'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'must be lowercase'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'no-latest-tag: an untagged Deployment image is rejected at its template path' {
  run --separate-stderr kwctl run --request-path test_data/deployment_untagged.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.template.spec.containers[0].image'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'no-latest-tag: a CronJob with the tag latest is rejected at its job template path' {
  run --separate-stderr kwctl run --request-path test_data/cronjob_latest.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.jobTemplate.spec.template.spec.containers[0].image'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'no-latest-tag: a relabelling UPDATE of a pod already on latest is accepted with a warning' {
  run --separate-stderr kwctl run --request-path test_data/pod_update_preexisting.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
  jq -e --arg t 'preexisting' 'any(.warnings[]; contains($t))' <<<"$output"
}

@test 'no-latest-tag: an UPDATE that swaps in an untagged image is rejected' {
  run --separate-stderr kwctl run --request-path test_data/pod_update_image_swap.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].image'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'no-latest-tag: kubectl debug with an untagged image is rejected' {
  run --separate-stderr kwctl run --request-path test_data/pod_ephemeral_debug.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.ephemeralContainers[0].image'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'no-latest-tag: an exempt image pattern (Azure spelling) is skipped' {
  run --separate-stderr kwctl run --request-path test_data/pod_latest.json --settings-json '{"excludedImages":["nginx:*"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'no-latest-tag: an exempt namespace is accepted' {
  run --separate-stderr kwctl run --request-path test_data/pod_latest.json --settings-json '{"excludedNamespaces":["default"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'no-latest-tag: a ConfigMap holds no pod and is accepted' {
  run --separate-stderr kwctl run --request-path test_data/configmap.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'no-latest-tag: an unknown setting is refused' {
  run --separate-stderr kwctl run --request-path test_data/pod_pinned.json --settings-json '{"allow_latest":true}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'allow_latest'* ]]
}
