#!/usr/bin/env bats
# Generated from test_data/cases.yml by `palisade bats`; do not edit.
# Run with kwctl: POLICY_WASM=annotated-policy.wasm bats e2e.bats

bats_require_minimum_version 1.5.0

policy() { echo "${POLICY_WASM:-annotated-policy.wasm}"; }

@test 'proc-mount: an Unmasked container is rejected' {
  run --separate-stderr kwctl run --request-path test_data/pod_unmasked.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].securityContext.procMount'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'proc-mount: Unmasked in a container, an init container and an ephemeral container is reported at once' {
  run --separate-stderr kwctl run --request-path test_data/pod_unmasked_all_kinds.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].securityContext.procMount'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.initContainers[0].securityContext.procMount'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.ephemeralContainers[0].securityContext.procMount'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'proc-mount: procMount Default is accepted' {
  run --separate-stderr kwctl run --request-path test_data/pod_default.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'proc-mount: an unset procMount is accepted' {
  run --separate-stderr kwctl run --request-path test_data/pod_unset.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'proc-mount: allow_unmasked_proc_mount_type allows Unmasked' {
  run --separate-stderr kwctl run --request-path test_data/pod_unmasked_all_kinds.json --settings-json '{"allow_unmasked_proc_mount_type":true}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'proc-mount: allow_unmasked_proc_mount_type false still rejects Unmasked' {
  run --separate-stderr kwctl run --request-path test_data/pod_unmasked.json --settings-json '{"allow_unmasked_proc_mount_type":false}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].securityContext.procMount'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'proc-mount: the Azure procMount parameter Unmasked (any case) allows Unmasked' {
  run --separate-stderr kwctl run --request-path test_data/pod_unmasked_all_kinds.json --settings-json '{"procMount":"unmasked"}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'proc-mount: the Azure procMountType alias allows Unmasked' {
  run --separate-stderr kwctl run --request-path test_data/pod_unmasked.json --settings-json '{"procMountType":"Unmasked"}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'proc-mount: the Azure procMount parameter Default rejects Unmasked' {
  run --separate-stderr kwctl run --request-path test_data/pod_unmasked.json --settings-json '{"procMount":"Default"}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].securityContext.procMount'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'proc-mount: PSP-style allowed_proc_mount_types with Unmasked allows it' {
  run --separate-stderr kwctl run --request-path test_data/pod_unmasked_all_kinds.json --settings-json '{"allowed_proc_mount_types":["Default","Unmasked"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'proc-mount: PSP-style allowed_proc_mount_types without Unmasked still accepts Default' {
  run --separate-stderr kwctl run --request-path test_data/pod_default.json --settings-json '{"allowed_proc_mount_types":["Default"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'proc-mount: settings that agree are accepted together' {
  run --separate-stderr kwctl run --request-path test_data/pod_unmasked.json --settings-json '{"allow_unmasked_proc_mount_type":true,"procMount":"Unmasked","allowed_proc_mount_types":["Unmasked"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'proc-mount: conflicting settings are refused naming both fields' {
  run --separate-stderr kwctl run --request-path test_data/pod_unmasked.json --settings-json '{"allow_unmasked_proc_mount_type":true,"procMount":"Default"}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'allow_unmasked_proc_mount_type: allows Unmasked but procMount forbids it'* ]]
}

@test 'proc-mount: an invalid procMount setting is refused' {
  run --separate-stderr kwctl run --request-path test_data/pod_unmasked.json --settings-json '{"procMount":"Masked"}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'procMount: "Masked" is not a proc mount type'* ]]
}

@test 'proc-mount: an invalid allowed_proc_mount_types entry is refused at its index' {
  run --separate-stderr kwctl run --request-path test_data/pod_unmasked.json --settings-json '{"allowed_proc_mount_types":["Default","Masked"]}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'allowed_proc_mount_types[1]'* ]]
}

@test 'proc-mount: allow_unmasked_in_user_namespace allows Unmasked in a pod with hostUsers false' {
  run --separate-stderr kwctl run --request-path test_data/pod_user_namespace_unmasked.json --settings-json '{"allow_unmasked_in_user_namespace":true}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'proc-mount: without allow_unmasked_in_user_namespace a pod with hostUsers false is still rejected' {
  run --separate-stderr kwctl run --request-path test_data/pod_user_namespace_unmasked.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].securityContext.procMount'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.initContainers[0].securityContext.procMount'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'proc-mount: allow_unmasked_in_user_namespace still rejects Unmasked in a pod with hostUsers true' {
  run --separate-stderr kwctl run --request-path test_data/pod_host_users_true_unmasked.json --settings-json '{"allow_unmasked_in_user_namespace":true}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].securityContext.procMount'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.initContainers[0].securityContext.procMount'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'proc-mount: allow_unmasked_in_user_namespace still rejects Unmasked in a pod without hostUsers' {
  run --separate-stderr kwctl run --request-path test_data/pod_unmasked.json --settings-json '{"allow_unmasked_in_user_namespace":true}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].securityContext.procMount'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'proc-mount: allow_unmasked_in_user_namespace reads hostUsers false in a Deployment'\''s template' {
  run --separate-stderr kwctl run --request-path test_data/deployment_user_namespace_unmasked.json --settings-json '{"allow_unmasked_in_user_namespace":true,"allow_unmasked_proc_mount_type":false}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'proc-mount: a Deployment in a user namespace is rejected without the setting' {
  run --separate-stderr kwctl run --request-path test_data/deployment_user_namespace_unmasked.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.template.spec.containers[0].securityContext.procMount'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'proc-mount: allow_unmasked_in_user_namespace must be a boolean' {
  run --separate-stderr kwctl run --request-path test_data/pod_user_namespace_unmasked.json --settings-json '{"allow_unmasked_in_user_namespace":"yes"}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'allow_unmasked_in_user_namespace'* ]]
}

@test 'proc-mount: an Unmasked Deployment is rejected at its template path' {
  run --separate-stderr kwctl run --request-path test_data/deployment_unmasked.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.template.spec.containers[0].securityContext.procMount'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'proc-mount: an Unmasked CronJob is rejected at its job template path' {
  run --separate-stderr kwctl run --request-path test_data/cronjob_unmasked.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.jobTemplate.spec.template.spec.containers[0].securityContext.procMount'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'proc-mount: a relabelling UPDATE of a pod already using Unmasked is accepted with a warning' {
  run --separate-stderr kwctl run --request-path test_data/pod_update_preexisting.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
  jq -e --arg t 'preexisting' 'any(.warnings[]; contains($t))' <<<"$output"
}

@test 'proc-mount: kubectl debug adding an Unmasked ephemeral container is rejected' {
  run --separate-stderr kwctl run --request-path test_data/pod_ephemeral_debug.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.ephemeralContainers[0].securityContext.procMount'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'proc-mount: exempt container names are skipped' {
  run --separate-stderr kwctl run --request-path test_data/pod_unmasked_all_kinds.json --settings-json '{"exempt_container_names":["setup","buildkitd","debugger-q9x4m"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'proc-mount: an exempt namespace (Azure spelling) is accepted' {
  run --separate-stderr kwctl run --request-path test_data/deployment_unmasked.json --settings-json '{"excludedNamespaces":["ci"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'proc-mount: an unknown setting is refused' {
  run --separate-stderr kwctl run --request-path test_data/pod_unset.json --settings-json '{"allow_unmasked":true}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'allow_unmasked'* ]]
}
