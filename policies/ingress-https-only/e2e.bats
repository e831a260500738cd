#!/usr/bin/env bats
# Generated from test_data/cases.yml by `palisade bats`; do not edit.
# Run with kwctl: POLICY_WASM=annotated-policy.wasm bats e2e.bats

bats_require_minimum_version 1.5.0

policy() { echo "${POLICY_WASM:-annotated-policy.wasm}"; }

@test 'ingress-https-only: an Ingress with TLS and allow-http "false" is accepted' {
  run --separate-stderr kwctl run --request-path test_data/ingress_https.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'ingress-https-only: a plain HTTP Ingress is refused for both reasons' {
  run --separate-stderr kwctl run --request-path test_data/ingress_plain_http.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'metadata.annotations["kubernetes.io/ingress.allow-http"]'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.tls'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'Ingress "shop" has no TLS configuration'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'ingress-https-only: TLS without the allow-http annotation is refused' {
  run --separate-stderr kwctl run --request-path test_data/ingress_tls_allows_http.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'metadata.annotations["kubernetes.io/ingress.allow-http"]'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'ingress-https-only: TLS without the annotation is accepted when the annotation is not required' {
  run --separate-stderr kwctl run --request-path test_data/ingress_tls_allows_http.json --settings-json '{"require_allow_http_annotation":false}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'ingress-https-only: a host outside every tls entry is refused when every host must be covered' {
  run --separate-stderr kwctl run --request-path test_data/ingress_uncovered_host.json --settings-json '{"require_tls_for_every_host":true}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.rules[1].host'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'ingress-https-only: the same Ingress is accepted by default (Azure checks only that tls is set)' {
  run --separate-stderr kwctl run --request-path test_data/ingress_uncovered_host.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'ingress-https-only: an extensions/v1beta1 Ingress is judged the same' {
  run --separate-stderr kwctl run --request-path test_data/ingress_extensions_v1beta1.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'metadata.annotations["kubernetes.io/ingress.allow-http"]'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.tls'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'ingress-https-only: an exempt namespace is accepted' {
  run --separate-stderr kwctl run --request-path test_data/ingress_plain_http.json --settings-json '{"exempt_namespaces":["shop"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}
