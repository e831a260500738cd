#!/usr/bin/env bats
# Generated from test_data/cases.yml by `palisade bats`; do not edit.
# Run with kwctl: POLICY_WASM=annotated-policy.wasm bats e2e.bats

bats_require_minimum_version 1.5.0

policy() { echo "${POLICY_WASM:-annotated-policy.wasm}"; }

@test 'internal-load-balancer: a LoadBalancer Service without the internal annotation is refused' {
  run --separate-stderr kwctl run --request-path test_data/service_lb_public.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'metadata.annotations["service.beta.kubernetes.io/azure-load-balancer-internal"]'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'LoadBalancer Service "web" would get a public IP'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'internal-load-balancer: an internal Azure load balancer is accepted' {
  run --separate-stderr kwctl run --request-path test_data/service_lb_internal.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'internal-load-balancer: the annotation set to "false" is refused' {
  run --separate-stderr kwctl run --request-path test_data/service_lb_internal_false.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'metadata.annotations["service.beta.kubernetes.io/azure-load-balancer-internal"]'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'internal-load-balancer: a GKE internal load balancer is refused unless gcp is a provider' {
  run --separate-stderr kwctl run --request-path test_data/service_lb_gke_internal.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'metadata.annotations["service.beta.kubernetes.io/azure-load-balancer-internal"]'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'internal-load-balancer: a GKE internal load balancer is accepted with providers [azure, gcp]' {
  run --separate-stderr kwctl run --request-path test_data/service_lb_gke_internal.json --settings-json '{"providers":["azure","gcp"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'internal-load-balancer: a ClusterIP Service is accepted' {
  run --separate-stderr kwctl run --request-path test_data/service_clusterip.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'internal-load-balancer: an UPDATE that drops the annotation is refused' {
  run --separate-stderr kwctl run --request-path test_data/service_lb_update_drops_annotation.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'metadata.annotations["service.beta.kubernetes.io/azure-load-balancer-internal"]'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'internal-load-balancer: an exempt namespace is accepted' {
  run --separate-stderr kwctl run --request-path test_data/service_lb_public.json --settings-json '{"excludedNamespaces":["shop"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}
