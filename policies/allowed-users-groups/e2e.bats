#!/usr/bin/env bats
# Generated from test_data/cases.yml by `palisade bats`; do not edit.
# Run with kwctl: POLICY_WASM=annotated-policy.wasm bats e2e.bats

bats_require_minimum_version 1.5.0

policy() { echo "${POLICY_WASM:-annotated-policy.wasm}"; }

@test 'allowed-users-groups: the nginx-unprivileged-nonroot walkthrough pod (runAsUser 2000) is accepted under MustRunAsNonRoot' {
  run --separate-stderr kwctl run --request-path test_data/pod_nginx_unprivileged_nonroot.json --settings-json '{"run_as_user":{"rule":"MustRunAsNonRoot"}}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-users-groups: the same pod is rejected when its user is outside the MustRunAs ranges (Azure spelling)' {
  run --separate-stderr kwctl run --request-path test_data/pod_nginx_unprivileged_nonroot.json --settings-json '{"runAsUser":{"rule":"MustRunAs","ranges":[{"min":1000,"max":1999}]}}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].securityContext.runAsUser'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-users-groups: require_run_as_non_root (PSS restricted) rejects the same pod, which sets no runAsNonRoot' {
  run --separate-stderr kwctl run --request-path test_data/pod_nginx_unprivileged_nonroot.json --settings-json '{"run_as_user":{"rule":"MustRunAsNonRoot"},"require_run_as_non_root":true,"validate_only":true}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].securityContext.runAsNonRoot'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-users-groups: require_run_as_non_root without validate_only sets runAsNonRoot on the container' {
  run --separate-stderr kwctl run --request-path test_data/pod_nginx_unprivileged_nonroot.json --settings-json '{"require_run_as_non_root":true}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output" | base64 -d | jq -cS .)" = '[{"op":"add","path":"/spec/containers/0/securityContext/runAsNonRoot","value":true}]' ]
}

@test 'allowed-users-groups: require_run_as_non_root reports a root container and both containers lacking runAsNonRoot' {
  run --separate-stderr kwctl run --request-path test_data/pod_container_override_root.json --settings-json '{"require_run_as_non_root":true,"validate_only":true}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].securityContext.runAsNonRoot'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[1].securityContext.runAsNonRoot'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[1].securityContext.runAsUser'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-users-groups: a container with runAsUser 0 is rejected under MustRunAsNonRoot' {
  run --separate-stderr kwctl run --request-path test_data/pod_root_user.json --settings-json '{"run_as_user":{"rule":"MustRunAsNonRoot"}}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].securityContext.runAsUser'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-users-groups: runAsNonRoot false without a non-zero runAsUser is rejected' {
  run --separate-stderr kwctl run --request-path test_data/pod_run_as_non_root_false.json --settings-json '{"run_as_user":{"rule":"MustRunAsNonRoot"}}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].securityContext.runAsNonRoot'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-users-groups: a pod-level runAsUser 0 inherited by one container is reported at the pod level' {
  run --separate-stderr kwctl run --request-path test_data/pod_level_root_inherited.json --settings-json '{"run_as_user":{"rule":"MustRunAsNonRoot"}}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.securityContext.runAsUser'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-users-groups: a container overriding a non-root pod user with root is reported at the container' {
  run --separate-stderr kwctl run --request-path test_data/pod_container_override_root.json --settings-json '{"run_as_user":{"rule":"MustRunAsNonRoot"}}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[1].securityContext.runAsUser'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-users-groups: allow_root_in_user_namespace admits a root container of a pod with hostUsers false under PSS restricted' {
  run --separate-stderr kwctl run --request-path test_data/pod_user_namespace_root.json --settings-json '{"run_as_user":{"rule":"MustRunAsNonRoot"},"require_run_as_non_root":true,"validate_only":true,"allow_root_in_user_namespace":true}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-users-groups: without allow_root_in_user_namespace the same pod is rejected' {
  run --separate-stderr kwctl run --request-path test_data/pod_user_namespace_root.json --settings-json '{"run_as_user":{"rule":"MustRunAsNonRoot"},"require_run_as_non_root":true,"validate_only":true}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].securityContext.runAsNonRoot'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].securityContext.runAsUser'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-users-groups: allow_root_in_user_namespace still rejects root in a pod with hostUsers true' {
  run --separate-stderr kwctl run --request-path test_data/pod_host_users_true_root.json --settings-json '{"run_as_user":{"rule":"MustRunAsNonRoot"},"require_run_as_non_root":true,"validate_only":true,"allow_root_in_user_namespace":true}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].securityContext.runAsNonRoot'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].securityContext.runAsUser'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-users-groups: allow_root_in_user_namespace still rejects root in a pod without hostUsers' {
  run --separate-stderr kwctl run --request-path test_data/pod_root_user.json --settings-json '{"run_as_user":{"rule":"MustRunAsNonRoot"},"allow_root_in_user_namespace":true}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].securityContext.runAsUser'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-users-groups: allow_root_in_user_namespace keeps the MustRunAs ranges, which root is outside' {
  run --separate-stderr kwctl run --request-path test_data/pod_user_namespace_root.json --settings-json '{"run_as_user":{"rule":"MustRunAs","ranges":[{"min":1000,"max":1999}]},"require_run_as_non_root":true,"allow_root_in_user_namespace":true}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].securityContext.runAsUser'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-users-groups: allow_root_in_user_namespace keeps the group rules' {
  run --separate-stderr kwctl run --request-path test_data/pod_user_namespace_root.json --settings-json '{"require_run_as_non_root":true,"allow_root_in_user_namespace":true,"run_as_group":{"rule":"MustRunAs","ranges":[{"min":1000,"max":1999}]},"validate_only":true}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].securityContext.runAsGroup'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-users-groups: a Deployment in a user namespace gets no runAsNonRoot with allow_root_in_user_namespace' {
  run --separate-stderr kwctl run --request-path test_data/deployment_user_namespace_no_user.json --settings-json '{"run_as_user":{"rule":"MustRunAsNonRoot"},"require_run_as_non_root":true,"allow_root_in_user_namespace":true}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-users-groups: without allow_root_in_user_namespace the same Deployment gets runAsNonRoot in every container' {
  run --separate-stderr kwctl run --request-path test_data/deployment_user_namespace_no_user.json --settings-json '{"run_as_user":{"rule":"MustRunAsNonRoot"},"require_run_as_non_root":true}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output" | base64 -d | jq -cS .)" = '[{"op":"add","path":"/spec/template/spec/initContainers/0/securityContext","value":{"runAsNonRoot":true}},{"op":"add","path":"/spec/template/spec/containers/0/securityContext/runAsNonRoot","value":true}]' ]
}

@test 'allowed-users-groups: allow_root_in_user_namespace without a non-root rule is refused' {
  run --separate-stderr kwctl run --request-path test_data/pod_user_namespace_root.json --settings-json '{"allow_root_in_user_namespace":true,"run_as_group":{"rule":"MayRunAs","ranges":[{"min":1,"max":9}]}}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'allow_root_in_user_namespace: relaxes only run_as_user.rule MustRunAsNonRoot and require_run_as_non_root'* ]]
}

@test 'allowed-users-groups: a Deployment without users gets runAsNonRoot true in every container' {
  run --separate-stderr kwctl run --request-path test_data/deployment_no_user.json --settings-json '{"run_as_user":{"rule":"MustRunAsNonRoot"}}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output" | base64 -d | jq -cS .)" = '[{"op":"add","path":"/spec/template/spec/initContainers/0/securityContext","value":{"runAsNonRoot":true}},{"op":"add","path":"/spec/template/spec/containers/0/securityContext/runAsNonRoot","value":true}]' ]
  jq -e --arg t 'mutated: set spec.template.spec.containers[0].securityContext.runAsNonRoot to true' 'any(.warnings[]; contains($t))' <<<"$output"
}

@test 'allowed-users-groups: with validate_only the same Deployment is rejected instead' {
  run --separate-stderr kwctl run --request-path test_data/deployment_no_user.json --settings-json '{"run_as_user":{"rule":"MustRunAsNonRoot"},"validate_only":true}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.template.spec.containers[0].securityContext.runAsNonRoot'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.template.spec.initContainers[0].securityContext.runAsNonRoot'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-users-groups: MustRunAs sets a missing runAsUser and runAsGroup in each container' {
  run --separate-stderr kwctl run --request-path test_data/deployment_no_user.json --settings-json '{"run_as_user":{"rule":"MustRunAs","ranges":[{"min":1000,"max":1999},{"min":5000,"max":5999}]},"run_as_group":{"rule":"MustRunAs","ranges":[{"min":3000,"max":3999}]}}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output" | base64 -d | jq -cS .)" = '[{"op":"add","path":"/spec/template/spec/initContainers/0/securityContext","value":{"runAsGroup":3000,"runAsUser":1000}},{"op":"add","path":"/spec/template/spec/containers/0/securityContext/runAsUser","value":1000},{"op":"add","path":"/spec/template/spec/containers/0/securityContext/runAsGroup","value":3000}]' ]
}

@test 'allowed-users-groups: MustRunAs sets a missing fsGroup and supplementalGroups at the pod level' {
  run --separate-stderr kwctl run --request-path test_data/pod_no_groups.json --settings-json '{"run_as_user":{"rule":"MustRunAs","ranges":[{"min":1000,"max":1999}]},"run_as_group":{"rule":"MustRunAs","ranges":[{"min":1000,"max":1999}]},"fs_group":{"rule":"MustRunAs","ranges":[{"min":2000,"max":2999}]},"supplemental_groups":{"rule":"MustRunAs","ranges":[{"min":2000,"max":2999}]}}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output" | base64 -d | jq -cS .)" = '[{"op":"add","path":"/spec/securityContext/fsGroup","value":2000},{"op":"add","path":"/spec/securityContext/supplementalGroups","value":[2000]}]' ]
}

@test 'allowed-users-groups: MayRunAs sets nothing when the groups are absent' {
  run --separate-stderr kwctl run --request-path test_data/pod_no_groups.json --settings-json '{"fsGroup":{"rule":"MayRunAs","ranges":[{"min":2000,"max":2999}]},"supplementalGroups":{"rule":"MayRunAs","ranges":[{"min":2000,"max":2999}]}}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-users-groups: MustRunAs rejects an fsGroup and a supplemental group out of range' {
  run --separate-stderr kwctl run --request-path test_data/pod_groups_out_of_range.json --settings-json '{"fs_group":{"rule":"MustRunAs","ranges":[{"min":1000,"max":1999}]},"supplemental_groups":{"rule":"MustRunAs","ranges":[{"min":1000,"max":1999}]}}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.securityContext.fsGroup'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.securityContext.supplementalGroups[1]'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-users-groups: MayRunAs rejects the same groups and a runAsGroup out of range' {
  run --separate-stderr kwctl run --request-path test_data/pod_groups_out_of_range.json --settings-json '{"run_as_group":{"rule":"MayRunAs","ranges":[{"min":2000,"max":2999}]},"fs_group":{"rule":"MayRunAs","ranges":[{"min":1000,"max":1999}]},"supplemental_groups":{"rule":"MayRunAs","ranges":[{"min":1000,"max":1999}]}}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].securityContext.runAsGroup'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.securityContext.fsGroup'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.securityContext.supplementalGroups[1]'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-users-groups: overwrite replaces every ID that is not the default, valid or not' {
  run --separate-stderr kwctl run --request-path test_data/pod_groups_out_of_range.json --settings-json '{"run_as_user":{"rule":"MustRunAs","ranges":[{"min":1000,"max":1999}],"overwrite":true},"fs_group":{"rule":"MustRunAs","ranges":[{"min":1000,"max":1999}],"overwrite":true},"supplemental_groups":{"rule":"MustRunAs","ranges":[{"min":1000,"max":1999}],"overwrite":true}}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output" | base64 -d | jq -cS .)" = '[{"op":"replace","path":"/spec/securityContext/fsGroup","value":1000},{"op":"replace","path":"/spec/securityContext/supplementalGroups/0","value":1000},{"op":"remove","path":"/spec/securityContext/supplementalGroups/1"},{"op":"replace","path":"/spec/containers/0/securityContext/runAsUser","value":1000}]' ]
  jq -e --arg t 'mutated: set spec.securityContext.fsGroup to 1000' 'any(.warnings[]; contains($t))' <<<"$output"
}

@test 'allowed-users-groups: a CronJob running as root is rejected at its job template path' {
  run --separate-stderr kwctl run --request-path test_data/cronjob_root_backup.json --settings-json '{"run_as_user":{"rule":"MustRunAsNonRoot"}}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.jobTemplate.spec.template.spec.containers[0].securityContext.runAsUser'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-users-groups: a CronJob gets its missing runAsGroup, and its fsGroup passes MayRunAs' {
  run --separate-stderr kwctl run --request-path test_data/cronjob_root_backup.json --settings-json '{"run_as_group":{"rule":"MustRunAs","ranges":[{"min":1000,"max":1000}]},"fs_group":{"rule":"MayRunAs","ranges":[{"min":1000,"max":2000}]}}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output" | base64 -d | jq -cS .)" = '[{"op":"add","path":"/spec/jobTemplate/spec/template/spec/containers/0/securityContext/runAsGroup","value":1000}]' ]
}

@test 'allowed-users-groups: a relabelling UPDATE of a pod already running as root is accepted with a warning' {
  run --separate-stderr kwctl run --request-path test_data/pod_update_preexisting_root.json --settings-json '{"run_as_user":{"rule":"MustRunAsNonRoot"}}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
  jq -e --arg t 'preexisting' 'any(.warnings[]; contains($t))' <<<"$output"
}

@test 'allowed-users-groups: a scaling UPDATE of a Deployment that already lacked runAsNonRoot is left unchanged' {
  run --separate-stderr kwctl run --request-path test_data/deployment_update_preexisting.json --settings-json '{"run_as_user":{"rule":"MustRunAsNonRoot"}}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
  jq -e --arg t 'preexisting, left unchanged on update' 'any(.warnings[]; contains($t))' <<<"$output"
}

@test 'allowed-users-groups: kubectl debug adding an ephemeral container without a user gets runAsNonRoot true' {
  run --separate-stderr kwctl run --request-path test_data/pod_ephemeral_debug.json --settings-json '{"run_as_user":{"rule":"MustRunAsNonRoot"}}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output" | base64 -d | jq -cS .)" = '[{"op":"add","path":"/spec/ephemeralContainers/0/securityContext","value":{"runAsNonRoot":true}}]' ]
}

@test 'allowed-users-groups: with validate_only the ephemeral container is rejected' {
  run --separate-stderr kwctl run --request-path test_data/pod_ephemeral_debug.json --settings-json '{"run_as_user":{"rule":"MustRunAsNonRoot"},"validate_only":true}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.ephemeralContainers[0].securityContext.runAsNonRoot'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-users-groups: exempting the only container that inherits the pod-level root user accepts the pod' {
  run --separate-stderr kwctl run --request-path test_data/pod_level_root_inherited.json --settings-json '{"run_as_user":{"rule":"MustRunAsNonRoot"},"exempt_container_names":["web"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-users-groups: an exempt image pattern (Azure spelling) is skipped' {
  run --separate-stderr kwctl run --request-path test_data/pod_root_user.json --settings-json '{"run_as_user":{"rule":"MustRunAsNonRoot"},"excludedImages":["nginx:*"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-users-groups: an exempt namespace is accepted' {
  run --separate-stderr kwctl run --request-path test_data/pod_root_user.json --settings-json '{"run_as_user":{"rule":"MustRunAsNonRoot"},"exempt_namespaces":["default"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-users-groups: without settings every rule is RunAsAny and root is accepted' {
  run --separate-stderr kwctl run --request-path test_data/pod_root_user.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-users-groups: MustRunAs without ranges is refused' {
  run --separate-stderr kwctl run --request-path test_data/pod_root_user.json --settings-json '{"run_as_user":{"rule":"MustRunAs"}}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'run_as_user.ranges'* ]]
}

@test 'allowed-users-groups: a range with min greater than max is refused' {
  run --separate-stderr kwctl run --request-path test_data/pod_root_user.json --settings-json '{"run_as_group":{"rule":"MayRunAs","ranges":[{"min":2000,"max":1000}]}}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'run_as_group.ranges[0]: min is greater than max'* ]]
}

@test 'allowed-users-groups: a negative bound is refused' {
  run --separate-stderr kwctl run --request-path test_data/pod_root_user.json --settings-json '{"fs_group":{"rule":"MustRunAs","ranges":[{"min":-1,"max":1000}]}}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'fs_group.ranges[0]: IDs cannot be negative'* ]]
}

@test 'allowed-users-groups: overwrite with validate_only is refused' {
  run --separate-stderr kwctl run --request-path test_data/pod_root_user.json --settings-json '{"supplemental_groups":{"rule":"MustRunAs","ranges":[{"min":1,"max":9}],"overwrite":true},"validate_only":true}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'supplemental_groups.overwrite'* ]]
}

@test 'allowed-users-groups: overwrite with a rule other than MustRunAs is refused' {
  run --separate-stderr kwctl run --request-path test_data/pod_root_user.json --settings-json '{"run_as_user":{"rule":"MayRunAs","ranges":[{"min":1,"max":9}],"overwrite":true}}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'run_as_user.overwrite: overwrite applies to MustRunAs only'* ]]
}

@test 'allowed-users-groups: MustRunAsNonRoot for anything but run_as_user is refused' {
  run --separate-stderr kwctl run --request-path test_data/pod_root_user.json --settings-json '{"fsGroup":{"rule":"MustRunAsNonRoot"}}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'fs_group.rule'* ]]
}

@test 'allowed-users-groups: an unknown rule name is refused' {
  run --separate-stderr kwctl run --request-path test_data/pod_root_user.json --settings-json '{"run_as_user":{"rule":"MustRunAsRoot"}}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'unknown variant `MustRunAsRoot`'* ]]
}

@test 'allowed-users-groups: a Windows pod is given no fsGroup or supplementalGroups (AKS restricted PSP; the API server refuses them there)' {
  run --separate-stderr kwctl run --request-path test_data/pod_windows_iis.json --settings-json '{"run_as_user":{"rule":"MustRunAsNonRoot"},"supplemental_groups":{"rule":"MustRunAs","ranges":[{"min":1,"max":65535}]},"fs_group":{"rule":"MustRunAs","ranges":[{"min":1,"max":65535}]}}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-users-groups: a Windows pod is not rejected for lacking runAsGroup, fsGroup or supplementalGroups (Azure restricted, validating)' {
  run --separate-stderr kwctl run --request-path test_data/pod_windows_iis.json --settings-json '{"runAsUser":{"rule":"MustRunAsNonRoot"},"runAsGroup":{"rule":"MustRunAs","ranges":[{"min":1,"max":65535}]},"supplementalGroups":{"rule":"MustRunAs","ranges":[{"min":1,"max":65535}]},"fsGroup":{"rule":"MustRunAs","ranges":[{"min":1,"max":65535}]},"validate_only":true}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-users-groups: a Windows pod is given no runAsUser or runAsGroup under MustRunAs' {
  run --separate-stderr kwctl run --request-path test_data/pod_windows_iis.json --settings-json '{"run_as_user":{"rule":"MustRunAs","ranges":[{"min":1000,"max":1999}]},"run_as_group":{"rule":"MustRunAs","ranges":[{"min":1000,"max":1999}]}}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-users-groups: a Windows pod without runAsNonRoot still gets runAsNonRoot (valid on Windows), and no group' {
  run --separate-stderr kwctl run --request-path test_data/pod_windows_no_run_as_non_root.json --settings-json '{"run_as_user":{"rule":"MustRunAsNonRoot"},"fs_group":{"rule":"MustRunAs","ranges":[{"min":1,"max":65535}]}}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output" | base64 -d | jq -cS .)" = '[{"op":"add","path":"/spec/containers/0/securityContext","value":{"runAsNonRoot":true}}]' ]
}

@test 'allowed-users-groups: PSS restricted still requires runAsNonRoot of a Windows pod' {
  run --separate-stderr kwctl run --request-path test_data/pod_windows_no_run_as_non_root.json --settings-json '{"run_as_user":{"rule":"MustRunAsNonRoot"},"require_run_as_non_root":true,"validate_only":true}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].securityContext.runAsNonRoot'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-users-groups: group IDs a Windows pod does carry are still judged against the ranges' {
  run --separate-stderr kwctl run --request-path test_data/pod_windows_group_zero.json --settings-json '{"supplemental_groups":{"rule":"MustRunAs","ranges":[{"min":1,"max":65535}]},"fs_group":{"rule":"MustRunAs","ranges":[{"min":1,"max":65535}]}}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.securityContext.fsGroup'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.securityContext.supplementalGroups[0]'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-users-groups: overwrite does not rewrite the group IDs of a Windows pod, it judges them' {
  run --separate-stderr kwctl run --request-path test_data/pod_windows_group_zero.json --settings-json '{"fs_group":{"rule":"MustRunAs","ranges":[{"min":1000,"max":1999}],"overwrite":true}}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.securityContext.fsGroup'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}
