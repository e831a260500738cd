#!/usr/bin/env bats
# Generated from test_data/cases.yml by `palisade bats`; do not edit.
# Run with kwctl: POLICY_WASM=annotated-policy.wasm bats e2e.bats

bats_require_minimum_version 1.5.0

policy() { echo "${POLICY_WASM:-annotated-policy.wasm}"; }

@test 'allowed-external-ips: without settings no external IP is allowed' {
  run --separate-stderr kwctl run --request-path test_data/service_external_ips.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.externalIPs[0]'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.externalIPs[1]'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'external IP 203.0.113.7 is not allowed (allowed: none)'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-external-ips: an address in an allowed network is accepted, another is refused' {
  run --separate-stderr kwctl run --request-path test_data/service_external_ips.json --settings-json '{"allowedExternalIPs":["203.0.113.0/24"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.externalIPs[1]'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-external-ips: addresses listed one by one are accepted' {
  run --separate-stderr kwctl run --request-path test_data/service_external_ips.json --settings-json '{"allowed_external_ips":["203.0.113.7","198.51.100.20"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-external-ips: an IPv6 address in an allowed IPv6 network is accepted' {
  run --separate-stderr kwctl run --request-path test_data/service_external_ipv6.json --settings-json '{"allowed_external_ips":["2001:db8::/32"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-external-ips: an IPv4-mapped IPv6 address is judged as the IPv4 address it carries' {
  run --separate-stderr kwctl run --request-path test_data/service_mapped_ipv6.json --settings-json '{"allowed_external_ips":["203.0.113.0/24"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.externalIPs[0]'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-external-ips: a Service without external IPs is accepted' {
  run --separate-stderr kwctl run --request-path test_data/service_no_external_ips.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-external-ips: an exempt namespace is accepted' {
  run --separate-stderr kwctl run --request-path test_data/service_external_ips.json --settings-json '{"exempt_namespaces":["shop"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}
