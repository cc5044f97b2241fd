#!/usr/bin/env bash
# Checks the Helm chart helm/sluice offline: `helm lint`, then `helm template` with several value sets, each
# rendering validated strictly (unknown fields, wrong types, missing required fields fail) by kubeconform.
#
#   bash test/helm/check.sh
#
# Tools: helm and kubeconform are built with `go install` from the Go module proxy into .cache/go-bin
# (git-ignored) on the first run, about 4 minutes; later runs take seconds. Without Go the check is skipped.
#
# Schemas: kubeconform downloads its Kubernetes schemas from GitHub by default, which this project's machines
# cannot reach. Instead:
#   - built-in kinds: test/helm/schemagen converts the Kubernetes OpenAPI v3 documents embedded in the Go
#     module sigs.k8s.io/kubectl-validate into strict kubeconform schemas under .cache/k8s-schemas;
#   - CRDs (ServiceMonitor, ScaledObject, TriggerAuthentication): strict hand-written schemas in
#     test/helm/schemas/, named the way kubeconform's -schema-location template expects.
# Both locations are passed to one kubeconform run, so nothing is skipped; the run must report Skipped: 0.
# To prove the schemas are strict, every manifest in test/helm/invalid/ must be reported invalid.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
here="$root/test/helm"
chart="$root/helm/sluice"

helm_pkg=helm.sh/helm/v3/cmd/helm
helm_module=helm.sh/helm/v3
helm_version=v3.22.0
kubeconform_pkg=github.com/yannh/kubeconform/cmd/kubeconform
kubeconform_module=github.com/yannh/kubeconform
kubeconform_version=v0.8.0
# Kubernetes version of the generated schemas (schemagen -kube) and of `helm template --kube-version`.
kube_minor=1.30
kube_version=$kube_minor.0

if ! command -v go >/dev/null 2>&1; then
  echo "test/helm/check.sh: skipped: go is not installed (it builds helm and kubeconform)"
  exit 0
fi

started=$SECONDS
cache="$root/.cache"
export GOBIN="$cache/go-bin"
mkdir -p "$GOBIN"
export PATH="$GOBIN:$PATH"

# install_tool NAME PACKAGE MODULE VERSION: go install unless $GOBIN/NAME was built from MODULE@VERSION.
install_tool() {
  local name=$1 pkg=$2 module=$3 version=$4 have
  have=$(go version -m "$GOBIN/$name" 2>/dev/null | awk '$1 == "mod" { print $2 "@" $3 }' || true)
  if [[ "$have" == "$module@$version" ]]; then return 0; fi
  echo "check.sh: building $name $version with go install (first run only)"
  CGO_ENABLED=0 go install -trimpath "$pkg@$version"
}
install_tool helm "$helm_pkg" "$helm_module" "$helm_version"
install_tool kubeconform "$kubeconform_pkg" "$kubeconform_module" "$kubeconform_version"

schemas="$cache/k8s-schemas"
stamp="$(cat "$here/schemagen/main.go" "$here/schemagen/go.mod" | sha256sum | cut -d' ' -f1) $kube_minor"
if [[ "$(cat "$schemas/.stamp" 2>/dev/null || true)" != "$stamp" ]]; then
  rm -rf "$schemas"
  (cd "$here/schemagen" && go run . -out "$schemas" -kube "$kube_minor")
  echo "$stamp" >"$schemas/.stamp"
fi

out="$root/test-output/helm"
rm -rf "$out"
mkdir -p "$out"

passed=0
failed=0
pass() { passed=$((passed + 1)); echo "ok    $*"; }
fail() { failed=$((failed + 1)); echo "FAIL  $*"; }

kubeconform_strict() {
  kubeconform -strict -summary -kubernetes-version "$kube_version" \
    -schema-location "$schemas" \
    -schema-location "$here/schemas/{{ .ResourceKind }}{{ .KindSuffix }}.json" "$@"
}

# lint NAME [helm lint args...]
lint() {
  local name=$1 log="$out/lint-$1.log"
  shift
  if helm lint --strict "$chart" "$@" >"$log" 2>&1; then
    pass "helm lint $name"
  else
    fail "helm lint $name"
    cat "$log"
  fi
}

# render NAME "KIND KIND..." [helm template args...]: renders, checks that every listed kind is in the output,
# and validates every document strictly (nothing may be skipped or lack a schema).
render() {
  local name=$1 kinds=$2 file="$out/$1.yaml" log="$out/$1.kubeconform.log" kind docs summary
  shift 2
  if ! helm template sluice "$chart" --namespace sluice --kube-version "$kube_version" "$@" >"$file" 2>"$out/$name.err"; then
    fail "helm template $name"
    cat "$out/$name.err"
    return
  fi
  for kind in $kinds; do
    if ! grep -q "^kind: $kind\$" "$file"; then
      fail "helm template $name: no $kind rendered"
      return
    fi
  done
  docs=$(grep -c '^kind: ' "$file")
  if ! kubeconform_strict "$file" >"$log" 2>&1; then
    fail "kubeconform $name"
    cat "$log"
    return
  fi
  summary=$(tail -n 1 "$log")
  if [[ "$summary" != *"Valid: $docs, Invalid: 0, Errors: 0, Skipped: 0"* ]]; then
    fail "kubeconform $name: expected $docs valid resources, got: $summary"
    return
  fi
  pass "helm template $name | kubeconform -strict: $docs resources valid ($kinds)"
}

# refuse NAME "EXPECTED TEXT" [helm template args...]: rendering must fail with that message.
refuse() {
  local name=$1 expected=$2 log="$out/refuse-$1.log"
  shift 2
  if helm template sluice "$chart" --kube-version "$kube_version" "$@" >"$log" 2>&1; then
    fail "helm template refuses $name: it rendered"
  elif grep -qF -- "$expected" "$log"; then
    pass "helm template refuses $name"
  else
    fail "helm template refuses $name: expected \"$expected\" in:"
    cat "$log"
  fi
}

lint default
lint statefulset -f "$chart/ci/statefulset-values.yaml"

render default "Deployment Service ConfigMap ServiceAccount PodDisruptionBudget"
render statefulset "StatefulSet Service ConfigMap ServiceAccount PodDisruptionBudget ServiceMonitor ScaledObject TriggerAuthentication" \
  -f "$chart/ci/statefulset-values.yaml"
render deployment-keda-sasl "Deployment Service ConfigMap ScaledObject TriggerAuthentication ServiceMonitor" \
  --set keda.enabled=true,kafka.sasl.mechanism=plain,kafka.sasl.existingSecret=kafka-user,kafka.tls.enabled=true \
  --set serviceMonitor.enabled=true,podDisruptionBudget.enabled=false,serviceAccount.create=false \
  --set 'kafka.brokers=b-1.example:9096\,b-2.example:9096,commitIntervalMs=1000,processingGuarantee=at_least_once'
render statefulset-no-volume "StatefulSet Service ConfigMap" --set workload.kind=StatefulSet,keda.enabled=false
render network-policy "Deployment Service ConfigMap NetworkPolicy" \
  --set networkPolicy.enabled=true,schemaRegistry.url=http://registry.schemas:8081 \
  --set 'kafka.brokers=b-1.example:9096\,b-2.example:9096\,b-3.example:9094' \
  --set 'networkPolicy.scrapeFrom[0].podSelector.matchLabels.app\.kubernetes\.io/name=prometheus' \
  --set 'networkPolicy.kafkaTo[0].ipBlock.cidr=10.20.0.0/16'
render network-policy-https-registry "Deployment NetworkPolicy" --set networkPolicy.enabled=true,schemaRegistry.url=https://registry.example

# contains NAME "TEXT" FILE: a rendered manifest must contain TEXT (a fixed string).
contains() {
  if grep -qF -- "$2" "$out/$3.yaml"; then pass "helm template $3 contains $1"; else fail "helm template $3: no $1 (\"$2\")"; fi
}
# lacks NAME "TEXT" FILE: it must not.
lacks() {
  if grep -qF -- "$2" "$out/$3.yaml"; then fail "helm template $3 has $1 (\"$2\")"; else pass "helm template $3: no $1"; fi
}
# Passwords come from Secret volumes as files (--*-password-file), never from env (visible in the pod spec's env).
contains "the SASL password file flag" "- --kafka-sasl-password-file" deployment-keda-sasl
contains "the SASL password file flag" "- --kafka-sasl-password-file" statefulset
contains "the registry password file flag" "- --schema-registry-password-file" statefulset
lacks "password env var" "_PASSWORD" statefulset
lacks "password env var" "_PASSWORD" deployment-keda-sasl
contains "the all-interfaces HTTP host" 'SLUICE_HTTP_HOST: "0.0.0.0"' default

# The container: non-root, read-only root file system, no capabilities, no privilege escalation, no API token;
# writable only its state dir and /tmp (emptyDir volumes).
for manifest in default statefulset; do
  contains "runAsNonRoot" "runAsNonRoot: true" $manifest
  contains "the non-root uid" "runAsUser: 10001" $manifest
  contains "a read-only root file system" "readOnlyRootFilesystem: true" $manifest
  contains "no privilege escalation" "allowPrivilegeEscalation: false" $manifest
  contains "all capabilities dropped" '- ALL' $manifest
  contains "the RuntimeDefault seccomp profile" "type: RuntimeDefault" $manifest
  contains "no service account token" "automountServiceAccountToken: false" $manifest
  contains "the writable state dir" "mountPath: /var/lib/sluice" $manifest
  lacks "root uid" "runAsUser: 0" $manifest
done
# The NetworkPolicy is off by default; on, it allows only the brokers' ports, the registry's, DNS, and scrapes.
lacks "a NetworkPolicy" "kind: NetworkPolicy" default
lacks "a NetworkPolicy" "kind: NetworkPolicy" statefulset
contains "the broker port 9096" "- port: 9096" network-policy
contains "the broker port 9094" "- port: 9094" network-policy
contains "the registry port" "- port: 8081" network-policy
contains "DNS" "- port: 53" network-policy
contains "the HTTP port for scrapes" "- port: 9464" network-policy
contains "the scrape peer" "app.kubernetes.io/name: prometheus" network-policy
contains "the broker peer" "cidr: 10.20.0.0/16" network-policy
contains "both policy types" "- Egress" network-policy
contains "the https registry's default port" "- port: 443" network-policy-https-registry
lacks "a registry port without a registry" "- port: 8081" default

refuse persistence-on-deployment "persistence.enabled needs workload.kind: StatefulSet" --set persistence.enabled=true
refuse short-grace-period "must exceed shutdownTimeoutMs" --set terminationGracePeriodSeconds=30
refuse sasl-without-secret "kafka.sasl.existingSecret must name a Secret" --set kafka.sasl.mechanism=scram-sha-256
refuse unknown-value "additional properties 'replicas' not allowed" --set replicas=3
refuse bad-guarantee "at '/processingGuarantee'" --set processingGuarantee=exactly-once
refuse bad-workload-kind "at '/workload/kind'" --set workload.kind=DaemonSet
refuse plain-sasl-without-tls "sends the password in clear" --set kafka.sasl.mechanism=plain,kafka.sasl.existingSecret=kafka-user
render plain-sasl-allowed "Deployment ConfigMap" --set kafka.sasl.mechanism=plain,kafka.sasl.existingSecret=kafka-user,kafka.sasl.allowPlaintext=true,maxFutureSkewMs=3600000
contains "the plaintext SASL opt-in" 'SLUICE_KAFKA_ALLOW_PLAINTEXT_SASL: "true"' plain-sasl-allowed
contains "the future skew" 'SLUICE_MAX_FUTURE_SKEW_MS: "3600000"' plain-sasl-allowed
refuse bad-network-policy "at '/networkPolicy'" --set networkPolicy.allowAll=true

# The schemas must reject what Kubernetes (or the CRD) would reject: each file here is one such manifest.
for file in "$here"/invalid/*.yaml; do
  name=$(basename "$file" .yaml)
  if kubeconform_strict "$file" >"$out/invalid-$name.log" 2>&1; then
    fail "kubeconform rejects invalid/$name.yaml: it was accepted"
  elif grep -q " is invalid: " "$out/invalid-$name.log"; then
    pass "kubeconform rejects invalid/$name.yaml"
  else
    fail "kubeconform rejects invalid/$name.yaml: failed for another reason:"
    cat "$out/invalid-$name.log"
  fi
done

echo "helm chart checks ($((SECONDS - started)) s, rendered manifests in test-output/helm):"
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
