#!/usr/bin/env bats
# Generated from test_data/cases.yml by `palisade bats`; do not edit.
# Run with kwctl: POLICY_WASM=annotated-policy.wasm bats e2e.bats

bats_require_minimum_version 1.5.0

policy() { echo "${POLICY_WASM:-annotated-policy.wasm}"; }

@test 'required-labels: a pod with every required label is accepted' {
  run --separate-stderr kwctl run --request-path test_data/pod_labelled.json --settings-json '{"labelsList":["app","team"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'required-labels: a pod missing a label is refused, naming it' {
  run --separate-stderr kwctl run --request-path test_data/pod_missing_team.json --settings-json '{"labelsList":["app","team"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'metadata.labels'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'missing required labels: team'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'required-labels: a Deployment'\''s own labels do not count; its pod template'\''s do' {
  run --separate-stderr kwctl run --request-path test_data/deployment_labels_only_on_deployment.json --settings-json '{"required_labels":["team"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.template.metadata.labels'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'required-labels: a Deployment whose template carries the labels is accepted' {
  run --separate-stderr kwctl run --request-path test_data/deployment_labelled_template.json --settings-json '{"required_labels":["team"],"allowed_values":{"env":["prod","staging-*"]}}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'required-labels: a CronJob is judged on its job'\''s pod template' {
  run --separate-stderr kwctl run --request-path test_data/cronjob_missing_team.json --settings-json '{"required_labels":["team"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.jobTemplate.spec.template.metadata.labels'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'required-labels: a label value outside the allowed patterns is refused' {
  run --separate-stderr kwctl run --request-path test_data/pod_env_dev.json --settings-json '{"allowed_values":{"env":["prod","staging-*"]}}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'metadata.labels.env'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'required-labels: a Service is not judged' {
  run --separate-stderr kwctl run --request-path test_data/service_unlabelled.json --settings-json '{"required_labels":["team"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'required-labels: an exempt namespace is accepted' {
  run --separate-stderr kwctl run --request-path test_data/pod_missing_team.json --settings-json '{"required_labels":["team"],"exempt_namespaces":["shop"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}
