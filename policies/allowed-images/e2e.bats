#!/usr/bin/env bats
# Generated from test_data/cases.yml by `palisade bats`; do not edit.
# Run with kwctl: POLICY_WASM=annotated-policy.wasm bats e2e.bats

bats_require_minimum_version 1.5.0

policy() { echo "${POLICY_WASM:-annotated-policy.wasm}"; }

@test 'allowed-images: images from an allowed registry are accepted' {
  run --separate-stderr kwctl run --request-path test_data/pod_internal.json --settings-json '{"allowed_registries":["registry.example.com"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-images: a Docker Hub image is registry docker.io, and not allowed' {
  run --separate-stderr kwctl run --request-path test_data/pod_docker_hub.json --settings-json '{"allowed_registries":["registry.example.com"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].image'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'registry docker.io is not in allowed_registries (registry.example.com)'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-images: a look-alike path on another registry is rejected by allowed_registries' {
  run --separate-stderr kwctl run --request-path test_data/pod_lookalike.json --settings-json '{"allowed_registries":["registry.example.com"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].image'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-images: Azure'\''s unanchored regex lets the look-alike through, as Azure does' {
  run --separate-stderr kwctl run --request-path test_data/pod_lookalike.json --settings-json '{"allowedContainerImagesRegex":"registry.example.com/.+"}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-images: the anchored regex rejects the look-alike' {
  run --separate-stderr kwctl run --request-path test_data/pod_lookalike.json --settings-json '{"allowedContainerImagesRegex":"^registry\\.example\\.com/.+$"}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].image'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'does not match allowed_images_regex'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-images: an image that is not a valid reference is rejected even when the regex matches' {
  run --separate-stderr kwctl run --request-path test_data/pod_bad_image.json --settings-json '{"allowedContainerImagesRegex":"registry.example.com"}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].image'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'must be lowercase'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-images: repository globs match normalised names; every container kind is checked' {
  run --separate-stderr kwctl run --request-path test_data/pod_all_kinds.json --settings-json '{"allowed_repositories":["registry.example.com/team/*","envoyproxy/envoy"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.initContainers[0].image'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.ephemeralContainers[0].image'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'repository docker.io/library/busybox matches no pattern'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-images: ** spans path segments' {
  run --separate-stderr kwctl run --request-path test_data/pod_all_kinds.json --settings-json '{"allowed_repositories":["registry.example.com/**","envoyproxy/*","busybox"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-images: rejected_registries and reject_tags (no tag means latest)' {
  run --separate-stderr kwctl run --request-path test_data/pod_all_kinds.json --settings-json '{"rejected_registries":["docker.io"],"reject_tags":["latest"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[1].image'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.initContainers[0].image'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'tag latest (no tag means latest) is in reject_tags'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-images: require_digest accepts only images with a digest' {
  run --separate-stderr kwctl run --request-path test_data/pod_internal.json --settings-json '{"require_digest":true}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].image'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'it has no digest'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-images: a Deployment from quay.io is rejected at its template path' {
  run --separate-stderr kwctl run --request-path test_data/deployment_quay.json --settings-json '{"allowed_registries":["registry.example.com"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.template.spec.containers[0].image'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-images: a CronJob from the allowed registry is accepted' {
  run --separate-stderr kwctl run --request-path test_data/cronjob_internal.json --settings-json '{"allowed_registries":["registry.example.com"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-images: a relabelling UPDATE of a pod already running a disallowed image is accepted with a warning' {
  run --separate-stderr kwctl run --request-path test_data/pod_update_preexisting.json --settings-json '{"allowed_registries":["registry.example.com"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
  jq -e --arg t 'preexisting' 'any(.warnings[]; contains($t))' <<<"$output"
}

@test 'allowed-images: an UPDATE that swaps in an image from another registry is rejected' {
  run --separate-stderr kwctl run --request-path test_data/pod_update_image_swap.json --settings-json '{"allowed_registries":["registry.example.com"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].image'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-images: kubectl debug with a Docker Hub image is rejected' {
  run --separate-stderr kwctl run --request-path test_data/pod_ephemeral_debug.json --settings-json '{"allowed_registries":["registry.example.com"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.ephemeralContainers[0].image'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-images: an exempt image pattern is skipped' {
  run --separate-stderr kwctl run --request-path test_data/pod_docker_hub.json --settings-json '{"allowed_registries":["registry.example.com"],"exempt_images":["nginx:*"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-images: an exempt namespace is accepted' {
  run --separate-stderr kwctl run --request-path test_data/pod_docker_hub.json --settings-json '{"allowed_registries":["registry.example.com"],"excludedNamespaces":["default"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-images: a ConfigMap holds no pod and is accepted' {
  run --separate-stderr kwctl run --request-path test_data/configmap.json --settings-json '{"allowed_registries":["registry.example.com"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-images: settings that restrict nothing are refused' {
  run --separate-stderr kwctl run --request-path test_data/pod_internal.json --settings-json '{}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'no restriction is set'* ]]
}

@test 'allowed-images: a bad regular expression is refused' {
  run --separate-stderr kwctl run --request-path test_data/pod_internal.json --settings-json '{"allowedContainerImagesRegex":"("}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'bad regular expression'* ]]
}

@test 'allowed-images: a registry that is not a host name is refused' {
  run --separate-stderr kwctl run --request-path test_data/pod_internal.json --settings-json '{"allowed_registries":["registry.example.com/team"]}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'allowed_registries[0]'* ]]
}

@test 'allowed-images: an uppercase repository pattern is refused' {
  run --separate-stderr kwctl run --request-path test_data/pod_internal.json --settings-json '{"allowed_repositories":["Registry.example.com/*"]}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'allowed_repositories[0]'* ]]
}
