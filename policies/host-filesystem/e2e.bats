#!/usr/bin/env bats
# Generated from test_data/cases.yml by `palisade bats`; do not edit.
# Run with kwctl: POLICY_WASM=annotated-policy.wasm bats e2e.bats

bats_require_minimum_version 1.5.0

policy() { echo "${POLICY_WASM:-annotated-policy.wasm}"; }

@test 'host-filesystem: a hostPath under an allowed read-only prefix, mounted read-only, is accepted' {
  run --separate-stderr kwctl run --request-path test_data/pod_hostpath_allowed.json --settings-json '{"allowedHostPaths":[{"pathPrefix":"/var/log","readOnly":true}]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'host-filesystem: prefixes match whole path segments, so /opt/app does not allow /opt/app-secrets' {
  run --separate-stderr kwctl run --request-path test_data/pod_hostpath_segments.json --settings-json '{"allowedHostPaths":[{"pathPrefix":"/opt/app"}]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.volumes[1].hostPath.path'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'host-filesystem: a path with .. segments and a relative path are rejected even under prefix /' {
  run --separate-stderr kwctl run --request-path test_data/pod_hostpath_dotdot.json --settings-json '{"allowedHostPaths":[{"pathPrefix":"/"}]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.volumes[0].hostPath.path'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.volumes[1].hostPath.path'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'host-filesystem: repeated and trailing slashes in paths and prefixes do not matter' {
  run --separate-stderr kwctl run --request-path test_data/pod_hostpath_unnormalised.json --settings-json '{"allowedHostPaths":[{"pathPrefix":"//opt/app//"}]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'host-filesystem: missing settings allow no hostPath volume at all' {
  run --separate-stderr kwctl run --request-path test_data/pod_hostpath_mixed.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.volumes[0].hostPath.path'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.volumes[1].hostPath.path'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'host-filesystem: an explicitly empty allowedHostPaths list allows no hostPath volume' {
  run --separate-stderr kwctl run --request-path test_data/pod_hostpath_allowed.json --settings-json '{"allowedHostPaths":[]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.volumes[0].hostPath.path'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'host-filesystem: a pod without hostPath volumes is accepted under empty settings' {
  run --separate-stderr kwctl run --request-path test_data/pod_no_hostpath.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'host-filesystem: a volume outside every prefix is rejected while the one inside is accepted' {
  run --separate-stderr kwctl run --request-path test_data/pod_hostpath_mixed.json --settings-json '{"allowedHostPaths":[{"pathPrefix":"/var/lib","readOnly":false}]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.volumes[0].hostPath.path'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'host-filesystem: a writable prefix accepts writable mounts' {
  run --separate-stderr kwctl run --request-path test_data/pod_hostpath_mixed.json --settings-json '{"allowedHostPaths":[{"pathPrefix":"/var"}]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'host-filesystem: a read-only prefix (allowed_host_paths spelling) rejects every writable mount of its volumes' {
  run --separate-stderr kwctl run --request-path test_data/pod_hostpath_mixed.json --settings-json '{"allowed_host_paths":[{"pathPrefix":"/var","readOnly":true}]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].volumeMounts[0].readOnly'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].volumeMounts[1].readOnly'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'host-filesystem: the most specific prefix wins, /var/lib read-only over /var writable' {
  run --separate-stderr kwctl run --request-path test_data/pod_hostpath_mixed.json --settings-json '{"allowedHostPaths":[{"pathPrefix":"/var","readOnly":false},{"pathPrefix":"/var/lib","readOnly":true}]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].volumeMounts[1].readOnly'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'host-filesystem: an exempt container skips the read-only mount check' {
  run --separate-stderr kwctl run --request-path test_data/pod_hostpath_mixed.json --settings-json '{"allowedHostPaths":[{"pathPrefix":"/var","readOnly":true}],"excludedContainers":["app"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'host-filesystem: exempt containers never exempt the hostPath volume itself' {
  run --separate-stderr kwctl run --request-path test_data/pod_hostpath_mixed.json --settings-json '{"exempt_container_names":["app","exporter"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.volumes[0].hostPath.path'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.volumes[1].hostPath.path'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'host-filesystem: a writable init container mount under a read-only prefix is rejected' {
  run --separate-stderr kwctl run --request-path test_data/pod_init_writable.json --settings-json '{"allowedHostPaths":[{"pathPrefix":"/var/lib/app-data","readOnly":true}]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.initContainers[0].volumeMounts[0].readOnly'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'host-filesystem: an exempt image pattern skips the init container mount' {
  run --separate-stderr kwctl run --request-path test_data/pod_init_writable.json --settings-json '{"allowedHostPaths":[{"pathPrefix":"/var/lib/app-data","readOnly":true}],"exempt_images":["registry.example.com/tools/*"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'host-filesystem: kubectl debug mounting a read-only host path writable is rejected' {
  run --separate-stderr kwctl run --request-path test_data/pod_ephemeral_debug.json --settings-json '{"allowedHostPaths":[{"pathPrefix":"/var/log","readOnly":true}]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.ephemeralContainers[0].volumeMounts[0].readOnly'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'host-filesystem: a Deployment hostPath is rejected at its template path' {
  run --separate-stderr kwctl run --request-path test_data/deployment_hostpath.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.template.spec.volumes[0].hostPath.path'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'host-filesystem: a Deployment whose socket path is allowed writable is accepted' {
  run --separate-stderr kwctl run --request-path test_data/deployment_hostpath.json --settings-json '{"allowedHostPaths":[{"pathPrefix":"/run/containerd/containerd.sock"}]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'host-filesystem: a Deployment writable mount under a read-only prefix is rejected at its template path' {
  run --separate-stderr kwctl run --request-path test_data/deployment_hostpath.json --settings-json '{"allowedHostPaths":[{"pathPrefix":"/run/containerd","readOnly":true}]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.template.spec.containers[0].volumeMounts[0].readOnly'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'host-filesystem: a CronJob writable mount of a read-only prefix is rejected at its job template path' {
  run --separate-stderr kwctl run --request-path test_data/cronjob_hostpath.json --settings-json '{"allowedHostPaths":[{"pathPrefix":"/var/lib/etcd","readOnly":true},{"pathPrefix":"/var/backups"}]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.jobTemplate.spec.template.spec.containers[0].volumeMounts[0].readOnly'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'host-filesystem: an exempt namespace is accepted' {
  run --separate-stderr kwctl run --request-path test_data/cronjob_hostpath.json --settings-json '{"exempt_namespaces":["kube-system"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'host-filesystem: a scaling UPDATE of a Deployment that already had the hostPath is accepted with a warning' {
  run --separate-stderr kwctl run --request-path test_data/deployment_update_preexisting.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
  jq -e --arg t 'preexisting' 'any(.warnings[]; contains($t))' <<<"$output"
}

@test 'host-filesystem: a relative path prefix is refused' {
  run --separate-stderr kwctl run --request-path test_data/pod_no_hostpath.json --settings-json '{"allowedHostPaths":[{"pathPrefix":"var/log"}]}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'allowedHostPaths[0].pathPrefix'* ]]
}

@test 'host-filesystem: a path prefix with .. is refused' {
  run --separate-stderr kwctl run --request-path test_data/pod_no_hostpath.json --settings-json '{"allowedHostPaths":[{"pathPrefix":"/var/log"},{"pathPrefix":"/var/log/../../etc"}]}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'allowedHostPaths[1].pathPrefix'* ]]
}

@test 'host-filesystem: an unknown setting is refused' {
  run --separate-stderr kwctl run --request-path test_data/pod_no_hostpath.json --settings-json '{"allowedHostPath":[{"pathPrefix":"/var/log"}]}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'unknown field `allowedHostPath`'* ]]
}

@test 'host-filesystem: an unknown field of an allowed path is refused' {
  run --separate-stderr kwctl run --request-path test_data/pod_no_hostpath.json --settings-json '{"allowedHostPaths":[{"pathPrefix":"/var/log","readonly":true}]}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'readonly'* ]]
}
