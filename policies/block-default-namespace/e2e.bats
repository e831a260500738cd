#!/usr/bin/env bats
# Generated from test_data/cases.yml by `palisade bats`; do not edit.
# Run with kwctl: POLICY_WASM=annotated-policy.wasm bats e2e.bats

bats_require_minimum_version 1.5.0

policy() { echo "${POLICY_WASM:-annotated-policy.wasm}"; }

@test 'block-default-namespace: a Pod in default is refused' {
  run --separate-stderr kwctl run --request-path test_data/pod_default.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'metadata.namespace'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'Pod "web" may not be created in namespace "default"'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'block-default-namespace: a Pod that names no namespace, created in default, is refused' {
  run --separate-stderr kwctl run --request-path test_data/pod_no_namespace_default.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'metadata.namespace'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'block-default-namespace: a Pod in its own namespace is accepted' {
  run --separate-stderr kwctl run --request-path test_data/pod_shop.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'block-default-namespace: a Deployment in default is refused' {
  run --separate-stderr kwctl run --request-path test_data/deployment_default.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'metadata.namespace'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'block-default-namespace: a CronJob in default is refused' {
  run --separate-stderr kwctl run --request-path test_data/cronjob_default.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'metadata.namespace'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'block-default-namespace: a Service in default is refused' {
  run --separate-stderr kwctl run --request-path test_data/service_default.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'metadata.namespace'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'block-default-namespace: the API server'\''s kubernetes Service is accepted' {
  run --separate-stderr kwctl run --request-path test_data/service_kubernetes.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'block-default-namespace: the default ServiceAccount is accepted' {
  run --separate-stderr kwctl run --request-path test_data/serviceaccount_default.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'block-default-namespace: another ServiceAccount in default is refused' {
  run --separate-stderr kwctl run --request-path test_data/serviceaccount_builder.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'metadata.namespace'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'block-default-namespace: the kube-root-ca.crt ConfigMap is accepted' {
  run --separate-stderr kwctl run --request-path test_data/configmap_root_ca.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'block-default-namespace: a team'\''s ConfigMap in default is refused' {
  run --separate-stderr kwctl run --request-path test_data/configmap_settings.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'metadata.namespace'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'block-default-namespace: the default ServiceAccount'\''s token Secret is accepted' {
  run --separate-stderr kwctl run --request-path test_data/secret_default_token.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'block-default-namespace: an Opaque Secret in default is refused' {
  run --separate-stderr kwctl run --request-path test_data/secret_opaque.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'metadata.namespace'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'block-default-namespace: an UPDATE of a ConfigMap already in default warns, not blocks' {
  run --separate-stderr kwctl run --request-path test_data/configmap_update_preexisting.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
  jq -e --arg t 'preexisting' 'any(.warnings[]; contains($t))' <<<"$output"
}

@test 'block-default-namespace: more namespaces can be refused' {
  run --separate-stderr kwctl run --request-path test_data/pod_shop.json --settings-json '{"namespaces":["default","shop"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'metadata.namespace'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'block-default-namespace: an exempt namespace is accepted' {
  run --separate-stderr kwctl run --request-path test_data/pod_default.json --settings-json '{"exempt_namespaces":["default"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}
