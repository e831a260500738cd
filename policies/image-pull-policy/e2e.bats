#!/usr/bin/env bats
# Generated from test_data/cases.yml by `palisade bats`; do not edit.
# Run with kwctl: POLICY_WASM=annotated-policy.wasm bats e2e.bats

bats_require_minimum_version 1.5.0

policy() { echo "${POLICY_WASM:-annotated-policy.wasm}"; }

@test 'image-pull-policy: IfNotPresent is allowed by Azure'\''s default' {
  run --separate-stderr kwctl run --request-path test_data/pod_if_not_present.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'image-pull-policy: Always is not allowed by Azure'\''s default' {
  run --separate-stderr kwctl run --request-path test_data/pod_always.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].imagePullPolicy'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'container "nginx" has imagePullPolicy "Always", which is not allowed (allowed: IfNotPresent, Never)'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'image-pull-policy: Always is allowed when listed (Azure spelling allowedPullPolicy)' {
  run --separate-stderr kwctl run --request-path test_data/pod_always.json --settings-json '{"allowedPullPolicy":["Always"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'image-pull-policy: an unset policy on an untagged image is judged as the Always the API server gives it' {
  run --separate-stderr kwctl run --request-path test_data/pod_unset_latest.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].imagePullPolicy'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'Kubernetes defaults to "Always" for image "nginx"'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'image-pull-policy: an unset policy on a tagged or digest image is judged as IfNotPresent' {
  run --separate-stderr kwctl run --request-path test_data/pod_unset_tagged.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'image-pull-policy: an unset policy on an image that is not a valid reference is rejected' {
  run --separate-stderr kwctl run --request-path test_data/pod_unset_bad_image.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].imagePullPolicy'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'is not a valid reference'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'image-pull-policy: init and ephemeral containers are checked too' {
  run --separate-stderr kwctl run --request-path test_data/pod_all_kinds.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.initContainers[0].imagePullPolicy'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.ephemeralContainers[0].imagePullPolicy'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'image-pull-policy: the default policy is set where none is' {
  run --separate-stderr kwctl run --request-path test_data/pod_unset_latest.json --settings-json '{"allowed_pull_policies":["Always","IfNotPresent"],"default_pull_policy":"IfNotPresent"}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output" | base64 -d | jq -cS .)" = '[{"op":"add","path":"/spec/containers/0/imagePullPolicy","value":"IfNotPresent"}]' ]
  jq -e --arg t 'mutated: set spec.containers[0].imagePullPolicy to "IfNotPresent"' 'any(.warnings[]; contains($t))' <<<"$output"
}

@test 'image-pull-policy: the default is set in a Deployment template' {
  run --separate-stderr kwctl run --request-path test_data/deployment_unset.json --settings-json '{"allowed_pull_policies":["Always"],"default_pull_policy":"Always"}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output" | base64 -d | jq -cS .)" = '[{"op":"add","path":"/spec/template/spec/containers/0/imagePullPolicy","value":"Always"}]' ]
}

@test 'image-pull-policy: an explicit policy that is not allowed is rejected, not rewritten to the default' {
  run --separate-stderr kwctl run --request-path test_data/pod_always.json --settings-json '{"default_pull_policy":"IfNotPresent"}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].imagePullPolicy'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'image-pull-policy: validate_only rejects an unset policy instead of setting the default' {
  run --separate-stderr kwctl run --request-path test_data/pod_unset_tagged.json --settings-json '{"default_pull_policy":"IfNotPresent","validate_only":true}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].imagePullPolicy'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.initContainers[0].imagePullPolicy'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'image-pull-policy: a CronJob is judged at its job template path' {
  run --separate-stderr kwctl run --request-path test_data/cronjob_always.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.jobTemplate.spec.template.spec.containers[0].imagePullPolicy'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'image-pull-policy: a relabelling UPDATE of a pod already pulling Always is accepted with a warning' {
  run --separate-stderr kwctl run --request-path test_data/pod_update_preexisting.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
  jq -e --arg t 'preexisting' 'any(.warnings[]; contains($t))' <<<"$output"
}

@test 'image-pull-policy: an UPDATE that changes the image is judged in full' {
  run --separate-stderr kwctl run --request-path test_data/pod_update_image_swap.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].imagePullPolicy'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'image-pull-policy: kubectl debug with imagePullPolicy Always is rejected' {
  run --separate-stderr kwctl run --request-path test_data/pod_ephemeral_debug.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.ephemeralContainers[0].imagePullPolicy'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'image-pull-policy: an exempt container name is skipped' {
  run --separate-stderr kwctl run --request-path test_data/pod_always.json --settings-json '{"exempt_container_names":["nginx"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'image-pull-policy: a ConfigMap holds no pod and is accepted' {
  run --separate-stderr kwctl run --request-path test_data/configmap.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'image-pull-policy: an empty list is refused' {
  run --separate-stderr kwctl run --request-path test_data/pod_always.json --settings-json '{"allowed_pull_policies":[]}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'allowed_pull_policies: is empty'* ]]
}

@test 'image-pull-policy: a misspelt policy is refused' {
  run --separate-stderr kwctl run --request-path test_data/pod_always.json --settings-json '{"allowedPullPolicy":["always"]}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'allowed_pull_policies[0]: "always" is not a pull policy'* ]]
}

@test 'image-pull-policy: a default that is not allowed is refused' {
  run --separate-stderr kwctl run --request-path test_data/pod_always.json --settings-json '{"default_pull_policy":"Always"}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'default_pull_policy: "Always" is not in allowed_pull_policies'* ]]
}

@test 'image-pull-policy: validate_only without a default is refused' {
  run --separate-stderr kwctl run --request-path test_data/pod_always.json --settings-json '{"validate_only":true}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'validate_only: has no effect'* ]]
}
