#!/usr/bin/env bats
# Generated from test_data/cases.yml by `palisade bats`; do not edit.
# Run with kwctl: POLICY_WASM=annotated-policy.wasm bats e2e.bats

bats_require_minimum_version 1.5.0

policy() { echo "${POLICY_WASM:-annotated-policy.wasm}"; }

@test 'selinux: with no settings (PSS baseline), container_t and container_init_t with MCS levels are accepted' {
  run --separate-stderr kwctl run --request-path test_data/pod_mcs_levels.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'selinux: with no settings (PSS baseline), spc_t with a user and a role is rejected field by field' {
  run --separate-stderr kwctl run --request-path test_data/pod_spc_t.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].securityContext.seLinuxOptions.user'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].securityContext.seLinuxOptions.role'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].securityContext.seLinuxOptions.type'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'container "agent" has seLinuxOptions.type "spc_t"; it must be unset or one of container_t, container_init_t, container_kvm_t, container_engine_t'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'selinux: enforcePSS rejects unconfined_t in a CronJob at its job template path, whatever the level' {
  run --separate-stderr kwctl run --request-path test_data/cronjob_unconfined.json --settings-json '{"enforcePSS":true}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.jobTemplate.spec.template.spec.containers[0].securityContext.seLinuxOptions.type'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'selinux: allowedSELinuxTypes replaces the PSS list' {
  run --separate-stderr kwctl run --request-path test_data/cronjob_unconfined.json --settings-json '{"enforcePSS":true,"allowedSELinuxTypes":["container_t","unconfined_t"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'selinux: a type missing from allowedSELinuxTypes is rejected where it is set' {
  run --separate-stderr kwctl run --request-path test_data/pod_mcs_levels.json --settings-json '{"enforcePSS":true,"allowedSELinuxTypes":["container_t"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.initContainers[0].securityContext.seLinuxOptions.type'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'selinux: MustRunAs sets missing options at pod level' {
  run --separate-stderr kwctl run --request-path test_data/pod_no_selinux.json --settings-json '{"rule":"MustRunAs","type":"container_t","level":"s0:c1,c2"}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output" | base64 -d | jq -cS .)" = '[{"op":"add","path":"/spec/securityContext/seLinuxOptions","value":{"level":"s0:c1,c2","type":"container_t"}}]' ]
  jq -e --arg t 'mutated: set spec.securityContext.seLinuxOptions.type to "container_t"' 'any(.warnings[]; contains($t))' <<<"$output"
}

@test 'selinux: with validate_only, MustRunAs rejects the missing options instead' {
  run --separate-stderr kwctl run --request-path test_data/pod_no_selinux.json --settings-json '{"rule":"MustRunAs","type":"container_t","level":"s0:c1,c2","validate_only":true}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.securityContext.seLinuxOptions.type'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.securityContext.seLinuxOptions.level'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'selinux: MustRunAs accepts a level whose categories are in another order' {
  run --separate-stderr kwctl run --request-path test_data/deployment_level.json --settings-json '{"rule":"MustRunAs","level":"s0:c1,c2"}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'selinux: MustRunAs adds the missing type to a Deployment'\''s pod template' {
  run --separate-stderr kwctl run --request-path test_data/deployment_level.json --settings-json '{"rule":"MustRunAs","user":"system_u","type":"container_t","level":"s0:c1,c2"}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output" | base64 -d | jq -cS .)" = '[{"op":"add","path":"/spec/template/spec/securityContext/seLinuxOptions/user","value":"system_u"},{"op":"add","path":"/spec/template/spec/securityContext/seLinuxOptions/type","value":"container_t"}]' ]
}

@test 'selinux: MustRunAs completes a container'\''s own options, which replace the pod'\''s for that container' {
  run --separate-stderr kwctl run --request-path test_data/pod_container_own_level.json --settings-json '{"rule":"MustRunAs","type":"container_t","level":"s0:c1,c2"}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output" | base64 -d | jq -cS .)" = '[{"op":"add","path":"/spec/containers/0/securityContext/seLinuxOptions/type","value":"container_t"},{"op":"add","path":"/spec/securityContext","value":{"seLinuxOptions":{"level":"s0:c1,c2","type":"container_t"}}}]' ]
}

@test 'selinux: MustRunAs rejects other categories and another sensitivity' {
  run --separate-stderr kwctl run --request-path test_data/pod_wrong_level.json --settings-json '{"rule":"MustRunAs","level":"s0:c1,c2"}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.securityContext.seLinuxOptions.level'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].securityContext.seLinuxOptions.level'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'selinux: RunAsAny accepts anything' {
  run --separate-stderr kwctl run --request-path test_data/pod_spc_t.json --settings-json '{"rule":"RunAsAny"}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'selinux: allowedSELinuxOptions accepts options matching an entry' {
  run --separate-stderr kwctl run --request-path test_data/pod_spc_t.json --settings-json '{"allowedSELinuxOptions":[{"user":"system_u","role":"system_r","type":"spc_t"}]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'selinux: allowedSELinuxOptions compares levels by meaning, entry by entry' {
  run --separate-stderr kwctl run --request-path test_data/pod_mcs_levels.json --settings-json '{"allowedSELinuxOptions":[{"type":"container_t","level":"s0:c123,c456"},{"type":"container_init_t","level":"s0:c123,c456"}]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'selinux: options matching no allowedSELinuxOptions entry are rejected as a whole' {
  run --separate-stderr kwctl run --request-path test_data/pod_mcs_levels.json --settings-json '{"allowedSELinuxOptions":[{"type":"container_t","level":"s0:c123,c456"}]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.initContainers[0].securityContext.seLinuxOptions'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'selinux: a relabelling UPDATE of a pod already running spc_t is accepted with a warning' {
  run --separate-stderr kwctl run --request-path test_data/pod_update_preexisting.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
  jq -e --arg t 'preexisting' 'any(.warnings[]; contains($t))' <<<"$output"
}

@test 'selinux: kubectl debug adding an spc_t ephemeral container is rejected' {
  run --separate-stderr kwctl run --request-path test_data/pod_ephemeral_debug.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.ephemeralContainers[0].securityContext.seLinuxOptions.type'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'selinux: under MustRunAs kubectl debug on a pod without the level is rejected, since the running pod cannot take it' {
  run --separate-stderr kwctl run --request-path test_data/pod_ephemeral_debug.json --settings-json '{"rule":"MustRunAs","level":"s0:c1,c2"}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.securityContext.seLinuxOptions.level'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'selinux: an exempt container is not checked' {
  run --separate-stderr kwctl run --request-path test_data/pod_spc_t.json --settings-json '{"exempt_container_names":["agent"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'selinux: an exempt namespace is accepted' {
  run --separate-stderr kwctl run --request-path test_data/pod_spc_t.json --settings-json '{"excludedNamespaces":["default"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'selinux: an unparsable configured level is refused' {
  run --separate-stderr kwctl run --request-path test_data/pod_no_selinux.json --settings-json '{"rule":"MustRunAs","level":"s0:c1."}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'level: "s0:c1." is not an SELinux level'* ]]
}

@test 'selinux: rule cannot be combined with the Azure settings' {
  run --separate-stderr kwctl run --request-path test_data/pod_no_selinux.json --settings-json '{"rule":"MustRunAs","type":"container_t","enforcePSS":true}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'rule: cannot be combined'* ]]
}

@test 'selinux: enforcePSS false alone leaves nothing to check and is refused' {
  run --separate-stderr kwctl run --request-path test_data/pod_no_selinux.json --settings-json '{"enforcePSS":false}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'enforce_pss: false leaves nothing to check'* ]]
}

@test 'selinux: an unknown setting is refused' {
  run --separate-stderr kwctl run --request-path test_data/pod_no_selinux.json --settings-json '{"rule":"MustRunAs","typ":"container_t"}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'typ'* ]]
}
